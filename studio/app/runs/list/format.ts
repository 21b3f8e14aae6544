/**
 * How the run pages write numbers and dates: the same text on the server and in the browser (no
 * locale, no time zone), so hydration never disagrees.
 */

/** `2026-12-06 16:48 UTC` */
export function shortDate(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** A return (units of reward): three decimals, `—` when unknown. */
export function formatReturn(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3);
}

/** A rate as a percentage with one decimal: `62.5 %`, `—` when unknown. */
export function formatRate(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${(value * 100).toFixed(1)} %`;
}

/** `1 episode`, `8 episodes` */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
