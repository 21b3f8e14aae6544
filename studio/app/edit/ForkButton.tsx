import { Form } from 'react-router';

/**
 * "Fork": a studio environment made from a catalog one (`/new` with `from`), opened at once.
 * Catalog environments stay read-only; the fork is the one to edit.
 *
 * @example
 * <ForkButton from="refund-desk" />
 */
export function ForkButton({ from, label }: { from: string; label?: string }) {
  return (
    <Form method="post" action="/new" className="fork-form">
      <input type="hidden" name="from" value={from} />
      <button type="submit" aria-label={label ?? `Fork ${from} to edit it`}>
        Fork to edit
      </button>
    </Form>
  );
}
