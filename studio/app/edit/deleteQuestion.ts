/**
 * The delete confirmation's question, with what goes with a state: the states inside it and the
 * transitions into and out of them all (`deletionScope`).
 *
 * @example
 * deleteQuestion({ kind: 'state', label: 'review', inner: 1, transitions: 3 })
 * // 'Delete state review, with 1 state inside it and 3 transitions?'
 */
export function deleteQuestion(p: {
  kind: 'state' | 'transition';
  label: string;
  inner: number;
  transitions: number;
}) {
  if (p.kind === 'transition') return `Delete the transition ${p.label}?`;
  const parts = [
    p.inner > 0 && `${p.inner} state${p.inner === 1 ? '' : 's'} inside it`,
    p.transitions > 0 && `${p.transitions} transition${p.transitions === 1 ? '' : 's'}`,
  ].filter(Boolean);
  return `Delete state ${p.label}${parts.length > 0 ? `, with ${parts.join(' and ')}` : ''}?`;
}
