import { wilson } from '../stats/wilson.ts';
import type { StepValueView } from './BranchChart.tsx';

/** `tool(args)` or the text of a recorded action, short. */
function actionText(action: unknown): string {
  if (!action || typeof action !== 'object') return '—';
  const a = action as { tool?: string; arguments?: unknown; text?: string };
  const s = a.tool ? `${a.tool}(${JSON.stringify(a.arguments ?? {})})` : (a.text ?? JSON.stringify(a));
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** The branch report as a table: per step the action that led there, P(success) with its interval, mean return, advantage. */
export function BranchTable({
  values,
  advantages,
  branchStep,
}: {
  values: StepValueView[];
  advantages: { step: number; advantage: number }[];
  branchStep: number;
}) {
  const advantage = new Map(advantages.map((a) => [a.step, a.advantage]));
  return (
    <table className="branch-table">
      <caption>Continuations from each step</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Recorded action</th>
          <th scope="col" className="num">
            Samples
          </th>
          <th scope="col" className="num">
            P(success)
          </th>
          <th scope="col" className="num">
            95 % interval
          </th>
          <th scope="col" className="num">
            Mean return
          </th>
          <th scope="col" className="num">
            Advantage
          </th>
          <th scope="col" className="num">
            Failed
          </th>
        </tr>
      </thead>
      <tbody>
        {values.map((v) => {
          const ci = wilson(v.successes, v.samples - v.failed);
          const adv = advantage.get(v.step);
          return (
            <tr key={v.step} className={v.step === branchStep ? 'branch-row' : undefined}>
              <th scope="row">
                {v.step}
                {v.step === branchStep ? ' (branched)' : ''}
              </th>
              <td>
                <code>{actionText(v.action)}</code>
              </td>
              <td className="num">{v.samples}</td>
              <td className="num">{(v.value * 100).toFixed(1)} %</td>
              <td className="num">
                {v.samples - v.failed > 0
                  ? `${(ci.low * 100).toFixed(0)}–${(ci.high * 100).toFixed(0)} %`
                  : 'ended here'}
              </td>
              <td className="num">{v.meanReturn.toFixed(3)}</td>
              <td className="num">
                {adv === undefined ? '—' : `${adv >= 0 ? '+' : ''}${(adv * 100).toFixed(1)} pts`}
              </td>
              <td className="num">{v.failed}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
