import type { TrainRunView } from '../../server/runs/trainRun.ts';
import { TrainRunReport } from './train/TrainRunReport.tsx';
import './train/runCharts.css';

/** The training run's curves, held-out evaluation and steps (the run page shows it for `train` runs). */
export function TrainRun({ view }: { view: TrainRunView }) {
  return <TrainRunReport view={view} />;
}
