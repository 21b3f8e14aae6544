import type { EvalRunView } from '../../server/runs/evalRun.ts';
import { EvalRunReport } from './eval/EvalRunReport.tsx';
import './train/runCharts.css';

/** The evaluation run's paired comparison (the run page shows it for `eval` runs). */
export function EvalRun({ view }: { view: EvalRunView }) {
  return <EvalRunReport view={view} />;
}
