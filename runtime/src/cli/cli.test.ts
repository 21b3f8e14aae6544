import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-cli-'));

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    // A command that should refuse but runs instead (serve) must fail the test, not hang it.
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A line of a stack trace. */
const stackLine = /^\s+at /m;

/**
 * The CLI's one rule for a failure of a known kind: exit 1, `✖ CODE: message` and `→ hint` on
 * stderr, no stack trace. Returns stderr for further checks.
 */
function refused(r: ReturnType<typeof palestra>, code: string, hint: RegExp): string {
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, new RegExp(`^✖ ${code}: `, 'm'));
  assert.match(r.err, hint);
  assert.match(r.err, /^ {2}→ /m, 'a hint line');
  assert.doesNotMatch(r.err, stackLine, 'no stack trace without --debug');
  assert.doesNotMatch(r.err, /this is a bug/);
  return r.err;
}

/** A one-step episode (echo-target ends at its first call), copied where a command may write beside it. */
function oneStepEpisode(): string {
  const run = join(dir, 'one-step');
  mkdirSync(run, { recursive: true });
  const file = join(run, 'episode-000000.jsonl');
  cpSync(join(CATALOG_DIR, 'echo-target', 'golden', 'seed-0.jsonl'), file);
  assert.equal(readEpisode(file).steps.length, 1);
  return file;
}

test('run records episodes with a summary table; a rerun resumes instead of replaying them', () => {
  const out = join(dir, 'lake');
  const first = palestra(
    'run',
    'frozen-lake',
    '--agent',
    'random',
    '--episodes',
    '5',
    '--seed',
    '3',
    '--out',
    out,
  );
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /frozen-lake@1\.0\.0 │ random:3 │ 5 /);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.episodes, 5);
  assert.equal(summary.complete, 5);
  const again = palestra(
    'run',
    'frozen-lake',
    '--agent',
    'random',
    '--episodes',
    '6',
    '--seed',
    '3',
    '--out',
    out,
  );
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /6 \(5 resumed\)/);
});

test('replay verifies and prints a readable transcript; --step k stops there', () => {
  const out = join(dir, 'echo');
  const script = join(dir, 'echo.json');
  writeFileSync(script, JSON.stringify({ episodes: [[{ tool: 'echo', arguments: { word: 'nothing' } }]] }));
  assert.equal(
    palestra('run', 'echo-target', '--agent', `scripted:${script}`, '--episodes', '2', '--out', out).code,
    0,
  );
  const r = palestra('replay', join(out, 'episode-000000.jsonl'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /── step 1 ── echo \{"word":"nothing"\} → reward 0 · state missed/);
  assert.match(r.out, /✔ verified: 1 step re-executed bit for bit/);
  const lake = join(dir, 'lake', 'episode-000001.jsonl');
  const k = palestra('replay', lake, '--step', '1');
  assert.equal(k.code, 0, k.err);
  assert.match(k.out, /── step 1 ──/);
  assert.doesNotMatch(k.out, /── step 2 ──/);
});

test('a tampered episode is refused with the line number and what to do', () => {
  const src = join(dir, 'lake', 'episode-000000.jsonl');
  const bad = join(dir, 'tampered.jsonl');
  writeFileSync(bad, readFileSync(src, 'utf8').replace('"direction":"', '"direction":"x'));
  const r = palestra('replay', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /tampered\.jsonl:\d+: .*hash does not match/);
});

test('check passes a catalog env and fails a broken one with exit code 1', () => {
  const ok = palestra('check', 'echo-target', '--episodes', '5');
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /passed: 0 errors/);
  const broken = join(dir, 'broken');
  cpSync(join(CATALOG_DIR, 'echo-target'), broken, { recursive: true });
  const spec = JSON.parse(readFileSync(join(broken, 'spec.json'), 'utf8'));
  spec.machine.states.limbo = {};
  writeFileSync(join(broken, 'spec.json'), JSON.stringify(spec));
  const r = palestra('check', broken, '--episodes', '5');
  assert.equal(r.code, 1);
  assert.match(r.out, /never reached: limbo/);
});

test('an invalid spec names the JSON path; a bad flag says what is expected', () => {
  const bad = join(dir, 'badspec');
  cpSync(join(CATALOG_DIR, 'echo-target'), bad, { recursive: true });
  const spec = JSON.parse(readFileSync(join(bad, 'spec.json'), 'utf8'));
  spec.tools[0].event = 'not an event';
  writeFileSync(join(bad, 'spec.json'), JSON.stringify(spec));
  const r = palestra('check', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /\$\.tools\[0\]\.event: use letters, digits and _ only/);
  const flag = palestra('run', 'frozen-lake', '--episodes', 'many');
  assert.notEqual(flag.code, 0);
  assert.match(flag.err, /--episodes must be an integer ≥ 1/);
});

test('hostile environment code cannot stop a run: the episode records the failing action and the error, the next one runs, exit 3', () => {
  const envDir = join(dir, 'trap');
  cpSync(join(CATALOG_DIR, 'echo-target'), envDir, { recursive: true });
  writeFileSync(join(envDir, 'spec.json'), JSON.stringify(HANG_SPEC));
  writeFileSync(join(envDir, 'trap.js'), HANG_FILES['trap.js']!);
  const script = join(dir, 'trap.json');
  writeFileSync(script, JSON.stringify({ episodes: [[{ tool: 'hang' }], [{ tool: 'safe' }]] }));
  const out = join(dir, 'trap-run');
  const r = palestra('run', envDir, '--agent', `scripted:${script}`, '--episodes', '2', '--out', out);
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /1 failed \(1 environment\), not in the means, e\.g\. episode 0: DEADLINE/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(
    summary.errors.map((e: { index: number; error: string; fault: string }) => [
      e.index,
      e.error.split(':')[0],
      e.fault,
    ]),
    [[0, 'DEADLINE', 'environment']],
  );
  assert.equal(summary.complete, 1);
  assert.equal(summary.returnMean, 1, 'the failed episode is not averaged in');
  assert.equal(readEpisode(join(out, 'episode-000001.jsonl')).footer!.return, 1_000_000);
  assert.deepEqual(readEpisode(join(out, 'episode-000000.jsonl')).failure?.action, { tool: 'hang' });
  const replayed = palestra('replay', join(out, 'episode-000000.jsonl'), '--env', envDir);
  assert.equal(replayed.code, 0, replayed.out + replayed.err);
  assert.match(replayed.out, /── step 1 ── hang \{\} → ✖ DEADLINE \(environment fault\)/);
  assert.match(replayed.out, /failed at step 1: DEADLINE/);
  // The failing action counts as a step for replay: --step 1 shows it, --step 2 is past the end.
  const past = palestra('replay', join(out, 'episode-000000.jsonl'), '--env', envDir, '--step', '2');
  assert.equal(past.code, 1, past.out + past.err);
  assert.match(past.err, /STEP_OUT_OF_RANGE: .* has 0 steps and fails at step 1, so --step goes from 0 to 1/);
});

test('done when: a reward rule that pays past reward.bounds fails every episode of palestra run (exit 3, summary.json)', () => {
  // frozen-lake with an extra +5 per step and bounds [0, 1]: the kernel stops each episode at its
  // first step with REWARD_OUT_OF_BOUNDS, an environment fault.
  const envDir = join(dir, 'lake-pays');
  cpSync(join(CATALOG_DIR, 'frozen-lake'), envDir, { recursive: true });
  const spec = JSON.parse(readFileSync(join(envDir, 'spec.json'), 'utf8'));
  spec.reward.rules.push({ perStep: 5 });
  spec.reward.bounds = { min: 0, max: 1 };
  writeFileSync(join(envDir, 'spec.json'), JSON.stringify(spec));
  const out = join(dir, 'lake-pays-run');
  const r = palestra('run', envDir, '--agent', 'random', '--episodes', '3', '--out', out);
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /3 failed \(3 environment\), not in the means/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.episodes, 3);
  assert.equal(summary.complete, 0);
  assert.equal(summary.failed, 3);
  assert.deepEqual(summary.faults, { agent: 0, environment: 3 });
  assert.equal(summary.successRate, 0);
  assert.deepEqual(
    summary.errors.map((e: { error: string }) => e.error.split(':')[0]),
    ['REWARD_OUT_OF_BOUNDS', 'REWARD_OUT_OF_BOUNDS', 'REWARD_OUT_OF_BOUNDS'],
  );
  const ep = readEpisode(join(out, 'episode-000000.jsonl'));
  assert.equal(ep.failure?.i, 1, 'the step that paid too much is the failure line');
  assert.equal(ep.footer!.error!.fault, 'environment');
});

test('an agent that fails stops palestra run with exit 3 and says what to fix', () => {
  // Nothing listens on the discard port: the OpenAI agent cannot reach its endpoint.
  const out = join(dir, 'no-endpoint');
  const r = palestra(
    'run',
    'echo-target',
    '--agent',
    'openai:m',
    '--base-url',
    'http://127.0.0.1:9/v1',
    '--episodes',
    '2',
    '--out',
    out,
  );
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.err, /episode 0 \(seed 0\) failed: AGENT_FAILED/);
  assert.match(r.err, /→ fix the agent or its endpoint/);
});

test('palestra rollout refuses a spec without reward.bounds, with the path and the fix', () => {
  // A reward computed by a module: no bounds can be derived from the rules.
  const envDir = join(dir, 'lake-unbounded');
  cpSync(join(CATALOG_DIR, 'frozen-lake-js'), envDir, { recursive: true });
  const spec = JSON.parse(readFileSync(join(envDir, 'spec.json'), 'utf8'));
  delete spec.reward.bounds;
  spec.reward.rules.push({ module: 'bonus.js#bonus' });
  writeFileSync(join(envDir, 'spec.json'), JSON.stringify(spec));
  writeFileSync(
    join(envDir, 'bonus.js'),
    'export function bonus({ context }) { return context.row * 0.1; }\n',
  );
  const r = palestra('rollout', envDir, '--episodes', '2', '--out', join(dir, 'unbounded-run'));
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /declares no reward bounds \(\$\.reward\.bounds\)/);
  assert.match(r.err, /→ add "bounds": \{ "min"/);
});

test('Ctrl-C at a human prompt in a real terminal stops palestra run cleanly: exit 130, a valid truncated file', () => {
  const out = join(dir, 'human-ctrl-c');
  // A pseudo-terminal from Python's standard library: readline gets Ctrl-C as a key there, not a signal.
  const driver = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
def read_until(token, seconds):
    global seen
    end = time.time() + seconds
    while token not in seen and time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
read_until(b"> ", 60)
os.write(fd, b"\x03")
read_until(b"<end of output>", 30)
done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:  # still running 30 s after Ctrl-C: the run did not stop
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const args = [bin, 'run', 'echo-target', '--agent', 'human', '--episodes', '2', '--out', out];
  const r = spawnSync('python3', ['-c', driver, process.execPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  assert.equal(r.status, 130, r.stdout + r.stderr);
  assert.match(r.stdout, /--- Step 0 ---/);
  assert.match(r.stdout, /interrupted: 0\/2 episodes complete; run the same command again to finish/);
  const ep = readEpisode(join(out, 'episode-000000.jsonl'));
  assert.equal(ep.complete, false);
  assert.equal(ep.steps.length, 0);
});

test('--step past the end of the episode is refused with the valid range by replay, replay --html and branch', () => {
  const file = oneStepEpisode();
  const range = /--step 99 is out of range: .*episode-000000\.jsonl has 1 step, so --step goes from 0 to 1/;
  refused(palestra('replay', file, '--step', '99'), 'STEP_OUT_OF_RANGE', range);
  const page = join(dir, 'one-step', 'page.html');
  refused(palestra('replay', file, '--step', '2', '--html', page), 'STEP_OUT_OF_RANGE', /from 0 to 1/);
  assert.equal(existsSync(page), false, 'no page for a refused replay');
  refused(
    palestra('branch', file, '--step', '99', '--samples', '1'),
    'STEP_OUT_OF_RANGE',
    /→ pass --step 0 \(the state after reset\) up to --step 1/,
  );
  assert.equal(existsSync(file.replace(/\.jsonl$/, '.branch.json')), false, 'no report for a refused branch');
  // The last step itself is in range.
  const last = palestra('replay', file, '--step', '1');
  assert.equal(last.code, 0, last.err);
  assert.match(last.out, /── step 1 ──/);
});

test('a folder or a missing file where an episode file is expected: a typed error that names the path and suggests a file', () => {
  const file = oneStepEpisode();
  const run = join(dir, 'one-step');
  for (const command of ['replay', 'html', 'branch']) {
    const err = refused(
      palestra(command, run),
      'RECORD_UNREADABLE',
      /one-step: it is a folder, and an episode file \(\.jsonl\) is expected/,
    );
    assert.ok(err.includes(`→ pass one episode of this run, e.g. ${file}`), err);
    assert.doesNotMatch(err, /EISDIR/);
  }
  refused(
    palestra('replay', join(run, 'episode-000099.jsonl')),
    'RECORD_UNREADABLE',
    /episode-000099\.jsonl: no such file/,
  );
  // An output flag naming a folder is refused before any work, with the file it would have written.
  refused(palestra('html', file, '--out', run), 'NOT_A_FILE', /--out .*one-step\/episode-000000\.html/);
  refused(palestra('replay', file, '--html', run), 'NOT_A_FILE', /--html .*one-step\/episode-000000\.html/);
  refused(palestra('branch', file, '--out', run), 'NOT_A_FILE', /one-step\/episode-000000\.branch\.json/);
});

test('--debug (a global flag, before or after the command) adds the stack to the same message', () => {
  const run = join(dir, 'one-step');
  oneStepEpisode();
  for (const args of [
    ['--debug', 'replay', run],
    ['replay', run, '--debug'],
  ]) {
    const r = palestra(...args);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^✖ RECORD_UNREADABLE: .*it is a folder/m);
    assert.match(r.err, stackLine);
    assert.match(r.err, /\[cause\]: Error: EISDIR/, 'the cause is shown too');
  }
  assert.match(palestra('replay', '--help').out, /Global Options:\s+--debug/);
});

test('serve on a port in use names the port and suggests another or --port 0; an address not of this machine is refused too', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    // spawnSync blocks this process, but the kernel keeps the port bound and refuses a second listener.
    const err = refused(
      palestra('serve', 'echo-target', '--port', String(port)),
      'PORT_IN_USE',
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
    assert.match(err, /→ pass another --port, or --port 0 to take a free one/);
    const debug = palestra('serve', 'echo-target', '--port', String(port), '--debug');
    assert.equal(debug.code, 1);
    assert.match(debug.err, /^✖ PORT_IN_USE: /m);
    assert.match(debug.err, stackLine);
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): documentation only, never an address of a real interface.
  refused(
    palestra('serve', 'echo-target', '--host', '192.0.2.1', '--port', '0'),
    'HOST_UNAVAILABLE',
    /--host 192\.0\.2\.1 is not an address of this machine/,
  );
});

// ── What a newcomer gives the commands by mistake: each a typed error, never a bug line ─────────

test('a scripted file of the wrong shape names the JSON path of each mistake, not "Invalid input"', () => {
  const file = join(dir, 'wrong-shape.json');
  writeFileSync(file, JSON.stringify([{ tool: 3 }, { text: 5 }, { tool: 'echo', extra: 1 }]));
  const err = refused(
    palestra('run', 'echo-target', '--agent', `scripted:${file}`, '--out', join(dir, 'ws')),
    'SCRIPT_INVALID',
    /\$\[0\]\.tool: .*expected string.*; \$\[1\]\.text: .*expected string.*; \$\[2\]: Unrecognized key: "extra"/,
  );
  assert.doesNotMatch(err, /\$: Invalid input/);
  writeFileSync(file, JSON.stringify({ episode: [] }));
  refused(
    palestra('eval', 'echo-target', '--agent', `scripted:${file}`, '--out', join(dir, 'ws-eval')),
    'SCRIPT_INVALID',
    /\$\.episodes: .*expected array/,
  );
  writeFileSync(file, '{"episodes": [[{"tool": "echo"}],]}');
  refused(
    palestra('learnability', 'echo-target', '--scripted', file),
    'SCRIPT_UNREADABLE',
    /cannot read the script .*wrong-shape\.json/,
  );
});

test('--agent human where many episodes play at once is refused with where to play by hand', () => {
  const file = oneStepEpisode();
  // Before: rollout printed a prompt per episode and, its input gone, exited 0 with no summary.
  for (const args of [
    ['rollout', 'echo-target', '--agent', 'human', '--out', join(dir, 'h-rollout')],
    ['eval', 'echo-target', '--vs', 'human', '--out', join(dir, 'h-eval')],
    ['branch', file, '--agent', 'human', '--samples', '1'],
  ])
    refused(palestra(...args), 'HUMAN_NOT_SUPPORTED', /→ play by hand with palestra run <env> --agent human/);
});

test('output paths that cannot be written fail before any episode, with the file-system hint', () => {
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, '');
  // eval used to play every episode into a path through a file, and fail at the end.
  const ev = refused(
    palestra('eval', 'echo-target', '--out', join(blocker, 'eval')),
    'ENOTDIR',
    /→ a part of the path is a file, not a folder/,
  );
  assert.doesNotMatch(ev, /ENOTDIR: ENOTDIR/, 'the code once, not twice');
  // learnability used to blame the environment for every episode ("the environment fails under play").
  refused(
    palestra('learnability', 'echo-target', '--out', join(blocker, 'l'), '--groups', '1', '--group', '1'),
    'ENOTDIR',
    /not a directory/,
  );
  // learnability --json naming a folder was written after the whole analysis (EISDIR at the end).
  const folder = join(dir, 'json-folder');
  mkdirSync(folder, { recursive: true });
  refused(palestra('learnability', 'echo-target', '--json', folder), 'NOT_A_FILE', /--json .*json-folder/);
  const workers = palestra('rollout', 'echo-target', '--workers', 'many', '--out', join(dir, 'w'));
  assert.equal(workers.code, 1);
  assert.match(workers.err, /--workers must be "auto" or a whole number ≥ 0/);
  assert.equal(existsSync(join(dir, 'w')), false, 'refused before the run folder is made');
});

test('output piped into a reader that stops early (| head) ends quietly, not as a bug', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [bin, 'run', 'frozen-lake', '--episodes', '5', '--out', join(dir, 'piped')],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  // Like `head -1`: read the first chunk, then close the pipe.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.doesNotMatch(err, /EPIPE|this is a bug/, err);
  assert.equal(code, 0, err);
});
