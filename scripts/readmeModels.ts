// The models behind OPENAI_BASE_URL while the README test runs: the `openai:` agent of the
// README's rollout and the LLM judge of its scoring and red-team commands, served by the overseer's
// local wire server (real OpenAI SDK requests over loopback).
import assert from 'node:assert/strict';
import type { LlmRequest, ScriptedReply } from '@palestra/testing/llm';

/** The user prompt(s) of a chat request, as text. */
function userText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}

/**
 * The local models behind OPENAI_BASE_URL. A judge request (a forced `submit_verdict` or
 * `submit_verdicts` call) is graded like a careful judge would: from what the environment paid in
 * each quoted transcript (positive total: 0.9, else 0.1), never from anything the agent wrote. Any
 * other request with refund-desk's tools is the `openai:` agent: it looks up the order the ticket
 * names, then escalates. Anything else gets an error, so a new use fails loudly.
 */
export function localModels(request: LlmRequest): ScriptedReply {
  const { body } = request;
  const tools = ((body.tools as { function?: { name?: string } }[] | undefined) ?? []).map(
    (t) => t.function?.name,
  );
  const prompt = userText(body);
  if (tools[0] === 'submit_verdict' || tools[0] === 'submit_verdicts') {
    const verdicts = [...prompt.matchAll(/<<<TRANSCRIPT (\w+)>>>\n(.*)\n<<<END TRANSCRIPT \1>>>/g)].map(
      (m) => {
        const steps = (JSON.parse(m[2]!) as { steps: { reward: number }[] }).steps;
        const paid = steps.reduce((sum, s) => sum + s.reward, 0);
        return { score: paid > 0 ? 0.9 : 0.1, rationale: `the environment paid ${paid.toFixed(2)} in total` };
      },
    );
    assert.ok(verdicts.length > 0, 'a judge request quotes its transcripts');
    return tools[0] === 'submit_verdict'
      ? { toolCalls: [{ name: 'submit_verdict', arguments: verdicts[0]! }] }
      : {
          toolCalls: [
            {
              name: 'submit_verdicts',
              arguments: { scores: verdicts.map((v, episode) => ({ episode, ...v })) },
            },
          ],
        };
  }
  if (tools.includes('lookup_order') && tools.includes('escalate')) {
    const turns = ((body.messages as { role: string }[]) ?? []).filter((m) => m.role === 'assistant').length;
    const order = /order ([A-Z]-\d+)/.exec(prompt)?.[1];
    if (turns === 0 && order) return { toolCalls: [{ name: 'lookup_order', arguments: { orderId: order } }] };
    return {
      toolCalls: [{ name: 'escalate', arguments: { reason: 'a supervisor should decide this one' } }],
    };
  }
  return {
    error: { status: 400, message: `the README test's wire server has no answer for ${tools.join(', ')}` },
  };
}
