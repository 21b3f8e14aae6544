import { Link } from 'react-router';
import type { RunVersion } from '../../server/versions/runVersion.ts';

/**
 * Which version a run (or one of its episodes) ran, with a link to the history: `ran version 3
 * "add escalated" (0x1234…)`, or a working copy that was never committed.
 */
export function RunVersionNote({ version, lead = 'Ran' }: { version: RunVersion; lead?: string }) {
  const history = `/env/${encodeURIComponent(version.environmentId)}/versions`;
  const root = <code title={version.root}>{version.root.slice(0, 12)}…</code>;
  return (
    <span className="run-version" data-version={version.seq ?? 'working'}>
      {lead && `${lead} `}
      {version.seq === null ? (
        <>an uncommitted working copy ({root})</>
      ) : (
        <>
          version {version.seq}
          {version.message && <> “{version.message}”</>} ({root})
        </>
      )}{' '}
      · <Link to={history}>history</Link>
    </span>
  );
}
