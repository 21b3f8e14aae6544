// Placeholder while the job stream is built (issue 15); replaced by its owner.
export function loader() {
  return new Response('not yet', { status: 501 });
}
