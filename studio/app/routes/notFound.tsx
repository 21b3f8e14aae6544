import { Link } from 'react-router';

/** Any address the studio has no page for is a 404 with a way back. */
export function loader() {
  throw new Response('Not Found', { status: 404, statusText: 'Not Found' });
}

export default function NotFound() {
  return (
    <p>
      <Link to="/">Back to the environments</Link>
    </p>
  );
}
