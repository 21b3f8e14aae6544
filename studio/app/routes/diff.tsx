// Placeholder while the page is built (issue 15); replaced by its owner.
export default function Page() {
  return <h1>diff</h1>;
}
