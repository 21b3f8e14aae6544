/**
 * Which local run a job's submission came from, for `palestra verify <job id>`. A run that
 * `palestra prove` settled has its public signals beside it (public.json, or one per batch listed in
 * settlement.json); combined as the escrow combines batches, they are the public inputs of the
 * submission. So the runs folder is searched for run folders whose combined signals equal the
 * job's recorded inputs (chain id, escrow, job, provider, episodes root, counts, score, payout).
 *
 * The rule a user expects: the run proven for exactly this submission wins; failing that, a run
 * with the same episodes root (the same episodes, proven since for another job or payout: verify
 * then names what differs on chain). Two or more runs at the best level are ambiguous (a copied
 * run folder, typically): `VERIFY_RUN_AMBIGUOUS` lists them, and naming one settles it
 * (`palestra verify <run> --job <id>`). None: `VERIFY_RUN_NOT_FOUND`, naming the folder searched
 * and the root looked for.
 *
 * @example
 * const { run } = findProvenRun({ runsDir: '.palestra/runs', publicInputs });
 */
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSettlementBatches } from '@palestra/contracts';
import { batchDirs, readSettlementFiles, SETTLEMENT_FILES } from './submit.ts';
import { VerifyError } from './verifyErrors.ts';

/** How deep below the runs folder run folders are looked for (`runs/eval/a` is two levels down). */
export const MAX_RUN_DEPTH = 4;

export interface FindProvenRunOptions {
  /** The folder to search (`.palestra/runs` unless given). */
  runsDir: string;
  /** The 10 public inputs the escrow verified the submission against. */
  publicInputs: readonly bigint[];
}

export interface FoundRun {
  run: string;
  /** `exact`: every public signal equals the submission's; `root`: only the episodes root does. */
  match: 'exact' | 'root';
  /** Proven run folders looked at. */
  searched: number;
}

const hex64 = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;

/** Folders below `dir` (itself included) that hold settlement files, not descending into those. */
export function provenRunFolders(dir: string, depth = MAX_RUN_DEPTH): string[] {
  if (
    existsSync(join(dir, SETTLEMENT_FILES.manifest)) ||
    existsSync(join(dir, SETTLEMENT_FILES.publicSignals))
  )
    return [dir];
  if (depth === 0) return [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort()
    .flatMap((name) => provenRunFolders(join(dir, name), depth - 1));
}

/** The signals a run's proof files put on chain (one batch as it is, several combined), or undefined if unreadable. */
export function submittedSignalsOf(run: string): readonly bigint[] | undefined {
  try {
    const batches = batchDirs(run).map(readSettlementFiles);
    return encodeSettlementBatches(batches.map((b) => ({ publicSignals: b.signals, proof: b.proofBytes })))
      .publicSignals;
  } catch {
    // A folder whose files do not read is not the run of any submission; verifying a named run reports why.
    return undefined;
  }
}

/**
 * The run folder under `runsDir` whose proof the submission with `publicInputs` carries (see the
 * file's comment for the rule). Throws `VERIFY_RUN_NOT_FOUND` or `VERIFY_RUN_AMBIGUOUS`.
 *
 * @example
 * findProvenRun({ runsDir: 'runs', publicInputs: submission.submitted.publicInputs }).run; // 'runs/echo'
 */
export function findProvenRun(options: FindProvenRunOptions): FoundRun {
  const want = options.publicInputs.map(String);
  const root = hex64((options.publicInputs[4]! << 128n) | options.publicInputs[5]!);
  const folders = existsSync(options.runsDir) ? provenRunFolders(options.runsDir) : [];
  const exact: string[] = [];
  const sameRoot: string[] = [];
  for (const run of folders) {
    const got = submittedSignalsOf(run)?.map(String);
    if (!got) continue;
    if (got.join(',') === want.join(',')) exact.push(run);
    else if (got[4] === want[4] && got[5] === want[5]) sameRoot.push(run);
  }
  const [runs, match] = exact.length > 0 ? [exact, 'exact' as const] : [sameRoot, 'root' as const];
  if (runs.length === 1) return { run: runs[0]!, match, searched: folders.length };
  if (runs.length > 1)
    throw new VerifyError(
      'VERIFY_RUN_AMBIGUOUS',
      `${runs.length} runs under ${options.runsDir} hold the proof of episodes root ${root}: ${runs.join(', ')}`,
      {
        details: { runsDir: options.runsDir, episodesRoot: root, runs },
        hint: `name the one to check: palestra verify ${runs[0]} --job ${options.publicInputs[2]}`,
      },
    );
  throw new VerifyError(
    'VERIFY_RUN_NOT_FOUND',
    existsSync(options.runsDir)
      ? `no run under ${options.runsDir} holds a proof of episodes root ${root} (${folders.length} proven ${folders.length === 1 ? 'run' : 'runs'} looked at)`
      : `the runs folder ${options.runsDir} does not exist, so no run with episodes root ${root} was found`,
    {
      details: { runsDir: options.runsDir, episodesRoot: root, searched: folders.length },
      hint: `give the folder the run is under (--runs <dir>), or the run folder itself: palestra verify <run> --job ${options.publicInputs[2]}`,
    },
  );
}
