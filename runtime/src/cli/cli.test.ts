import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HANG_FILES, HANG_SPEC, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-cli-'));

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
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
