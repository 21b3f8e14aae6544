/** A model turn as the episode record keeps it (the runtime's turn record), read loosely for display. */
interface ShownTurn {
  agent?: string;
  policy?: string | null;
  messages: unknown[];
  completion?: { text?: string | null; toolCalls?: { id?: string; name?: string; arguments?: string }[] };
  finishReason?: string | null;
  promptTokenIds?: number[] | null;
  completionTokenIds?: number[] | null;
  logprobs?: number[] | null;
  usage?: { promptTokens?: number; completionTokens?: number } | null;
  latencyMs?: number;
}

/** A turn record or undefined: the browser never imports the runtime, so the shape is checked here. */
export function turnOf(turn: unknown): ShownTurn | undefined {
  if (!turn || typeof turn !== 'object') return undefined;
  const t = turn as Record<string, unknown>;
  return { ...(t as unknown as ShownTurn), messages: Array.isArray(t.messages) ? t.messages : [] };
}

/** A message's text, whatever the provider's format (`content` as a string or as parts). */
function messageText(message: unknown): { role: string; text: string } {
  if (!message || typeof message !== 'object') return { role: '?', text: JSON.stringify(message) };
  const m = message as { role?: unknown; content?: unknown };
  const role = typeof m.role === 'string' ? m.role : '?';
  if (typeof m.content === 'string') return { role, text: m.content };
  if (Array.isArray(m.content))
    return {
      role,
      text: m.content
        .map((p) =>
          p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'
            ? (p as { text: string }).text
            : JSON.stringify(p),
        )
        .join('\n'),
    };
  return { role, text: JSON.stringify(m, null, 2) };
}

/**
 * The model's turn behind a step: what it saw (the messages), what it said (text and tool calls),
 * its tokens and latency; token ids and log-probabilities folded away until asked for.
 */
export function TurnView({ turn }: { turn: ShownTurn }) {
  const calls = turn.completion?.toolCalls ?? [];
  return (
    <div className="replay-turn">
      <p className="muted">
        {turn.agent ?? 'model'}
        {turn.policy ? ` (${turn.policy})` : ''}
        {turn.usage
          ? ` · ${turn.usage.promptTokens ?? 0} prompt + ${turn.usage.completionTokens ?? 0} completion tokens`
          : ''}
        {typeof turn.latencyMs === 'number' ? ` · ${Math.round(turn.latencyMs)} ms` : ''}
        {turn.finishReason ? ` · finished: ${turn.finishReason}` : ''}
      </p>
      <details>
        <summary>Messages the model saw ({turn.messages.length})</summary>
        <ol className="replay-messages">
          {turn.messages.map((m, i) => {
            const { role, text } = messageText(m);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: messages are a fixed list, in order
              <li key={i}>
                <strong>{role}</strong>
                <pre>{text}</pre>
              </li>
            );
          })}
        </ol>
      </details>
      {turn.completion?.text ? (
        <>
          <h4>Model's reply</h4>
          <pre>{turn.completion.text}</pre>
        </>
      ) : null}
      {calls.length > 0 && (
        <>
          <h4>Tool calls</h4>
          <ul>
            {calls.map((c, i) => (
              <li key={c.id ?? i}>
                <code>{c.name}</code> <code>{c.arguments}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {(turn.completionTokenIds || turn.logprobs || turn.promptTokenIds) && (
        <details>
          <summary>Token ids and log-probabilities</summary>
          <dl>
            <dt>Prompt token ids</dt>
            <dd>
              <code>{turn.promptTokenIds ? turn.promptTokenIds.join(' ') : 'not returned'}</code>
            </dd>
            <dt>Completion token ids</dt>
            <dd>
              <code>{turn.completionTokenIds ? turn.completionTokenIds.join(' ') : 'not returned'}</code>
            </dd>
            <dt>Log-probabilities</dt>
            <dd>
              <code>{turn.logprobs ? turn.logprobs.map((l) => l.toFixed(3)).join(' ') : 'not returned'}</code>
            </dd>
          </dl>
        </details>
      )}
    </div>
  );
}
