// The README test: every command of every `sh` block of README.md runs, as written, in order, so a
// README change that breaks a user's first hour fails the tests. Two parts: `readme.test.ts` (in
// `npm test`) runs every command but the real trainings of a tiny model (`npx palestra train …
// --model tiny`, minutes of both cores), which `readme.e2e.test.ts` (in `npm run test:e2e`) runs,
// in order, in a scratch folder of their own: each command runs in exactly one of the two.
//
// Rules (what a README author needs to know):
// - A command is what a user types: continuation lines (ending in `\`) are joined, a trailing
//   `# comment` is dropped. It runs with `sh -c`; `npx palestra …` in a scratch folder,
//   `.palestra/readme-test/` (`readme-test-train/` for the trainings; emptied at the start, kept
//   afterwards to look at), which links
//   `examples/` and `overseer/` so the README's relative paths resolve and `npx` finds the
//   repository's bin; every other command (`npm …`, `npx tsx …`) in the repository root, as npm runs
//   scripts. Each command must exit 0. A command listed in EXPECTATIONS below also has its key
//   output checked; any other command still runs and must exit 0 (nothing passes unrun).
// - Skipping: a shell comment `# readme-test: skip: <reason>` on the line right before the command,
//   inside its block. At most MAX_SKIPS in the whole README; `npm test` must be one (recursion).
// - Servers: `palestra serve` runs on `--port 0` instead of its port (only the number is replaced),
//   is asked `/health`, `/schema` and `/reset`, then stopped; `palestra mcp` gets an MCP client
//   (initialize, tools/list, a reset and a winning call); `palestra chain up` is checked on its RPC
//   and followed by `palestra chain down`.
// - Model endpoints: a local wire server (`@palestra/testing/llm`'s llmServer) stands for
//   OpenAI. Every command gets OPENAI_BASE_URL and OPENAI_API_KEY pointing at it, and in a
//   `--base-url http://127.0.0.1:8000/v1` only the port number is replaced by the server's. It
//   answers the `openai:` agent with a fixed refund-desk policy and any judge request like a judge
//   that grades what the environment paid, never what the transcript says (see readmeModels.ts).
// - Benchmarks run with PALESTRA_BENCH_SMOKE=1: each runs its smallest size and still prints its table.
// - `README_TEST_ONLY=<regex>` runs only the commands that match (for development; it says so).
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startLlmServer } from '@palestra/testing/llm';
import { readState, writeState } from '../runtime/src/train/checkpoint.ts';
import { type ReadmeCommand, readmeCommands, stripComment } from './readmeCommands.ts';
import { localModels } from './readmeModels.ts';
import { describe, type Ran, runShell, ShellStdioTransport, startServer, tail } from './readmeShell.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_SKIPS = 4;
const MINUTE = 60_000;

interface Context {
  /** Every command's environment: the local model server's URL and key, smoke-sized benchmarks. */
  env: NodeJS.ProcessEnv;
}

/** What the test knows about one README command: how to recognise it and what it must show. */
interface Expectation {
  name: string;
  /** Tested against the command as written (comment removed). */
  matches: RegExp;
  /** Replaces the default run-and-check (servers, the chain). */
  run?: (command: string, cwd: string, ctx: Context) => Promise<void>;
  /** After a run that exited 0: the command's key output. */
  check?: (ran: Ran, command: string, cwd: string) => void;
  timeoutMs?: number;
}

/** `--flag value` of a command, or a failure naming the flag. */
function flag(command: string, name: string): string {
  const m = new RegExp(`(?:^|\\s)${name}[ =](\\S+)`).exec(command);
  assert.ok(m, `the command has no ${name}: ${command}`);
  return m[1]!;
}

function episodeFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^episode-.*\.jsonl$/.test(f));
}

const EXPECTATIONS: Expectation[] = [
  { name: 'studio', matches: /^npm install && npm start$/, run: studioCheck },
  {
    name: 'demo',
    matches: /^npm run demo$/,
    check: (r, _c, cwd) => {
      assert.match(r.stdout, /frozen-lake@\S+ .*│ 20\b/, 'a summary table of 20 frozen-lake episodes');
      assert.equal(episodeFiles(join(cwd, '.palestra/runs/demo')).length, 20);
      assert.match(r.stdout, /── step 1 ──/, "episode 0's transcript");
      assert.match(r.stdout, /✔ verified: \d+ steps? re-executed bit for bit/);
    },
  },
  {
    name: 'check',
    matches: /^npx palestra check \S+$/,
    check: (r) => assert.match(r.stdout, /passed: 0 errors/, 'the verdict line'),
  },
  {
    name: 'run',
    matches: /^npx palestra run /,
    check: (r, command, cwd) => {
      const episodes = Number(flag(command, '--episodes'));
      assert.match(r.stdout, /│ env\s+│ agent\s+│ episodes/, 'the summary table');
      assert.equal(episodeFiles(join(cwd, flag(command, '--out'))).length, episodes);
    },
  },
  {
    name: 'replay',
    matches: /^npx palestra replay \S+\.jsonl --step \d+/,
    check: (r, command, cwd) => {
      const step = flag(command, '--step');
      assert.match(r.stdout, new RegExp(`── step ${step} ── `), `step ${step} is shown`);
      assert.match(r.stdout, /✔ verified: \d+ steps? re-executed bit for bit/);
      if (/\s--html(\s|$)/.test(command)) {
        const page = /^page: (\S+\.html)$/m.exec(r.stdout);
        assert.ok(page, 'replay --html names its page');
        assert.match(readFileSync(join(cwd, page[1]!), 'utf8'), /^<!doctype html>/i);
      }
    },
  },
  {
    name: 'html',
    matches: /^npx palestra html \S+\.jsonl$/,
    check: (r, _c, cwd) => {
      const page = /✔ verified and written: (\S+\.html)/.exec(r.stdout);
      assert.ok(page, 'html says where it wrote the page');
      assert.match(readFileSync(join(cwd, page[1]!), 'utf8'), /^<!doctype html>/i);
    },
  },
  {
    name: 'rollout (openai agent)',
    matches: /^npx palestra rollout \S+ --agent openai:/,
    check: (r, command, cwd) => {
      const summary = JSON.parse(readFileSync(join(cwd, flag(command, '--out'), 'summary.json'), 'utf8'));
      const episodes = Number(flag(command, '--episodes'));
      assert.equal(summary.episodes, episodes, r.stdout);
      assert.equal(summary.complete, episodes, 'every episode complete');
      assert.equal(summary.groupSize, Number(flag(command, '--group')));
      assert.ok(summary.tokens.completion > 0, 'token counts came from the wire server');
    },
  },
  {
    name: 'eval',
    matches: /^npx palestra eval \S+ --agent \S+ --vs /,
    check: (r) => {
      assert.match(r.stdout, /a − b \(paired\)/, 'the paired comparison row');
      assert.match(r.stdout, /a is better|b is better|no difference/i, 'the verdict of the comparison');
    },
  },
  {
    name: 'branch',
    matches: /^npx palestra branch \S+\.jsonl --step \d+/,
    check: (r, command, cwd) => {
      assert.match(r.stdout, /chance of success from each step on/);
      const file = flag(command, 'branch').replace(/\.jsonl$/, '.branch.json');
      assert.ok(existsSync(join(cwd, file)), `${file} is written`);
    },
  },
  {
    name: 'learnability',
    matches: /^npx palestra learnability \S+$/,
    check: (r) => assert.match(r.stdout, /✔ no degenerate policy earns reward without solving the task/),
  },
  { name: 'serve', matches: /^npx palestra serve \S+ --port \d+$/, run: serveCheck },
  { name: 'mcp', matches: /^npx palestra mcp \S+$/, run: mcpCheck },
  {
    name: 'score',
    matches: /^npx palestra score (?!.*--verify)\S+ --overseer \S+$/,
    check: (r) => {
      const m = /(\d+)\/(\d+) scores committed in their episodes/.exec(r.stdout);
      assert.ok(m, 'score says how many scores it committed');
      assert.equal(m[1], m[2]);
    },
  },
  {
    name: 'score --verify',
    matches: /^npx palestra score --verify /,
    check: (r) => {
      const m = /(\d+)\/(\d+) committed scores re-derived by overseer \S+ with no judge call/.exec(r.stdout);
      assert.ok(m, 'verify says how many scores it re-derived');
      assert.equal(m[1], m[2]);
      assert.ok(Number(m[2]) > 0);
    },
  },
  {
    name: 'redteam',
    matches: /^npx palestra overseer redteam --judge \S+$/,
    check: (r) => {
      const m = /(\d+)\/(\d+) fooled \(false-positive rate ([\d.]+)%, goal ≤ 2%\)/.exec(r.stdout);
      assert.ok(m, 'redteam prints its false-positive rate');
      assert.ok(Number(m[3]) <= 2, `false-positive rate ${m[3]}% > 2%`);
    },
  },
  { name: 'chain', matches: /^npx palestra chain up$/, run: chainCheck },
  {
    name: 'train',
    matches: /^npx palestra train \S+ --model tiny /,
    timeoutMs: 20 * MINUTE,
    check: trainCheck,
  },
  {
    name: 'bench (kernel vs Gymnasium)',
    matches: /^npm run bench$/,
    check: (r) => {
      assert.match(r.stdout, /frozen-lake, expressions, steps\/s\s+│ [\d,]+ +│ [\d,]+ \(FrozenLake-v1\)/);
      assert.match(r.stdout, /smoke run/);
    },
  },
  {
    name: 'bench:gas',
    matches: /^npm run bench:gas -w contracts$/,
    check: (r) => assert.match(r.stdout, /^TrainingEscrow\.openJob\s+\d+\s+\d+/m, 'the gas table'),
  },
  {
    name: 'onnx bench',
    matches: /^npx tsx overseer\/bench\/onnx\.bench\.ts$/,
    check: (r) => assert.match(r.stdout, /linear, \d+ features: session\.run only\s+│\s+[\d,]+ │/),
  },
  {
    name: 'overseer bench',
    matches: /^npx tsx overseer\/bench\/overseer\.bench\.ts$/,
    check: (r) => assert.match(r.stdout, /judge layer vs the SDK directly, µs per verdict\s+│ \d+/),
  },
  {
    name: 'store bench',
    matches: /^npx tsx envs\/bench\/store\.bench\.ts$/,
    check: (r) => assert.match(r.stdout, /frozen-lake\s+│ [\d.]+\s+│ [\d.]+ ms\s+│ [\d.]+ ms/),
  },
  {
    name: 'rollout bench',
    matches: /^npx tsx runtime\/bench\/rollout\.bench\.ts$/,
    check: (r) => assert.match(r.stdout, /wall time per turn, µs \(instant local server\)\s+│ \d+/),
  },
];

/** Runs a command that must exit 0; then its expectation's check. */
async function runAndCheck(e: Expectation | undefined, command: string, cwd: string, ctx: Context) {
  const r = await runShell(command, cwd, ctx.env, e?.timeoutMs ?? 5 * MINUTE);
  assert.equal(r.code, 0, `${command}\n${describe(r)}`);
  try {
    e?.check?.(r, command, cwd);
  } catch (err) {
    (err as Error).message += `\n${command}\n${describe(r)}`;
    throw err;
  }
}

/** `npm start`: the studio, on a port the system picks, lists the catalog and shows an environment. */
async function studioCheck(command: string, cwd: string, ctx: Context): Promise<void> {
  const server = startServer(`${command} -- --port 0`, cwd, ctx.env, /Palestra Studio on (http:\/\/\S+) /);
  try {
    const url = (await server.match)[1]!;
    const home = await fetch(url);
    assert.equal(home.status, 200);
    const html = await home.text();
    for (const name of ['refund-desk', 'frozen-lake'])
      assert.match(html, new RegExp(name), `${name} is listed`);
    const env = await fetch(new URL('/env/refund-desk', url));
    assert.equal(env.status, 200, 'the environment page');
  } finally {
    await server.stop();
  }
}

/** `palestra serve`: on a port the system picks, answering OpenEnv's /health, /schema and /reset. */
async function serveCheck(command: string, cwd: string, ctx: Context): Promise<void> {
  const server = startServer(command.replace(/--port \d+/, '--port 0'), cwd, ctx.env, /on (http:\/\/\S+) /);
  try {
    const url = (await server.match)[1]!;
    assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'healthy' });
    const schema = (await (await fetch(`${url}/schema`)).json()) as { action?: { oneOf?: unknown[] } };
    assert.ok((schema.action?.oneOf?.length ?? 0) > 1, 'the action schema lists the tools');
    const reset = await fetch(`${url}/reset`, { method: 'POST', body: JSON.stringify({ seed: 1 }) });
    const first = (await reset.json()) as { observation?: unknown; done?: boolean };
    assert.equal(reset.status, 200);
    assert.equal(first.done, false, 'a fresh episode');
    assert.ok(first.observation, 'its first observation');
  } finally {
    await server.stop();
  }
}

/** `palestra mcp`: an MCP client lists its tools, resets an episode and wins it. */
async function mcpCheck(command: string, cwd: string, ctx: Context): Promise<void> {
  const transport = new ShellStdioTransport(command, cwd, ctx.env);
  const client = new Client({ name: 'readme-test', version: '1.0.0' });
  try {
    await client.connect(transport, { timeout: MINUTE });
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('reset') && names.length > 1, `tools: ${names.join(', ')}`);
    const reset = await client.callTool({ name: 'reset', arguments: { seed: 0 } });
    const text = (reset.content as { type: string; text?: string }[])[0]?.text ?? '';
    const word = /word: (\w+)/.exec(text);
    assert.ok(word, `the reset text names a target word: ${text}`);
    const step = await client.callTool({ name: 'echo', arguments: { word: word[1] } });
    assert.deepEqual(
      [step.isError, (step.structuredContent as { reward?: number; done?: boolean }).reward],
      [false, 1],
      JSON.stringify(step),
    );
  } catch (e) {
    (e as Error).message += `\nserver stderr:\n${tail(transport.stderr)}`;
    throw e;
  } finally {
    await client.close();
  }
}

/** `palestra chain up`: the contracts answer on its RPC; then `palestra chain down` stops it. */
async function chainCheck(command: string, cwd: string, ctx: Context): Promise<void> {
  const down = command.replace(/ up$/, ' down');
  try {
    const r = await runShell(command, cwd, ctx.env, 3 * MINUTE);
    assert.equal(r.code, 0, describe(r));
    const rpc = /(?:started|already running): (http:\/\/\S+)/.exec(r.stdout);
    const escrow = /trainingEscrow\s+(0x[0-9a-fA-F]{40})/.exec(r.stdout);
    assert.ok(rpc && escrow, `chain up names its RPC and the escrow's address\n${describe(r)}`);
    const res = await fetch(rpc[1]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getCode', params: [escrow[1], 'latest'] }),
    });
    const code = ((await res.json()) as { result?: string }).result ?? '';
    assert.ok(code.length > 2, `the escrow has code at ${escrow[1]}: ${code}`);
  } finally {
    const r = await runShell(down, cwd, ctx.env, MINUTE);
    assert.equal(r.code, 0, `${down}\n${describe(r)}`);
    assert.match(r.stdout, /stopped anvil/, `${down}\n${describe(r)}`);
  }
}

/**
 * `palestra train … --model tiny`: the policy learned. From `<out>/train.json` (the default out
 * when the command has none): the mean training reward of the last two RL steps is at least the
 * first RL step's + 0.5, and the last held-out success rate is at least the step-0 evaluation's + 0.40.
 */
function trainCheck(_r: Ran, command: string, cwd: string): void {
  const out = /\s--out\s/.test(command) ? flag(command, '--out') : '.palestra/runs/train';
  const state = readState(join(cwd, out));
  assert.ok(state, `no ${out}/train.json`);
  const rl = state.steps.filter((s) => s.kind !== 'sft' && s.reward !== null);
  assert.ok(rl.length >= 3, `${rl.length} RL steps with a reward; the check needs 3 or more`);
  const first = rl[0]!.reward!.mean;
  const last2 = (rl.at(-1)!.reward!.mean + rl.at(-2)!.reward!.mean) / 2;
  const evals = state.steps.filter((s) => s.eval !== null);
  const before = state.eval0?.successRate;
  const after = evals.at(-1)?.eval?.successRate;
  console.log(
    `train ${out}: RL reward ${first.toFixed(3)} (first RL step) → ${last2.toFixed(3)} (mean of the last two); ` +
      `held-out success ${before ?? 'none'} (step 0) → ${after ?? 'none'} (last evaluation)`,
  );
  assert.ok(last2 >= first + 0.5, `RL reward rose by ${(last2 - first).toFixed(3)} (needs ≥ 0.5)`);
  assert.ok(before !== undefined, 'no step-0 evaluation (eval0): the command needs --eval-every');
  assert.ok(after !== undefined, 'no held-out evaluation after training');
  assert.ok(after >= before + 0.4, `held-out success rose by ${(after - before).toFixed(2)} (needs ≥ 0.40)`);
  // The service keeps its adapters in <out>/trainer, relative to where the command ran (it runs in
  // its own folder: a relative --out once put them under runtime/trainer/).
  assert.ok(existsSync(join(cwd, out, 'trainer', 'state.json')), `no ${out}/trainer/state.json`);
}

/** The README's real trainings of a tiny model: minutes each, so they run in `test:e2e`. */
const isTraining = (c: ReadmeCommand) => /^npx palestra train \S+ --model tiny /.test(c.command);

const PART_WORDS = {
  commands: '(but the tiny-model trainings)',
  training: '(the tiny-model trainings)',
} as const;

/**
 * Registers the README's tests: `commands` (every command but the tiny-model trainings, with the
 * parser's and the training check's own tests) or `training` (those trainings, in order).
 */
export function readmeSuite(part: 'commands' | 'training'): void {
  const scratch = join(root, '.palestra', part === 'training' ? 'readme-test-train' : 'readme-test');
  if (part === 'commands') {
    test('readmeCommands: blocks, continuations, comments and skip markers', () => {
      const md = [
        '# T',
        '```sh',
        'a --x 1   # comment',
        '',
        '# readme-test: skip: too slow',
        'b \\',
        "    --y '#not a comment'   # but this is",
        '         # a comment line',
        '```',
        '## Code',
        '```ts',
        'not a command',
        '```',
        '~~~sh',
        'c#d',
        '~~~',
      ].join('\n');
      assert.deepEqual(readmeCommands(md), [
        { command: 'a --x 1', line: 3, section: '# T' },
        { command: "b --y '#not a comment'", line: 6, section: '# T', skip: 'too slow' },
        { command: 'c#d', line: 15, section: '## Code' },
      ]);
      assert.equal(stripComment('echo "a # b" # c'), 'echo "a # b" ');
      assert.throws(() => readmeCommands('```bash\nls\n```'), /tag shell commands `sh`/);
      assert.throws(() => readmeCommands('```sh\n# readme-test: skipped\nls\n```'), /write the marker/);
      assert.throws(() => readmeCommands('```sh\n# readme-test: skip: x\n\nls\n```'), /right before/);
      assert.throws(() => readmeCommands('```sh\nls \\\n```'), /ends in/);
      assert.throws(() => readmeCommands('```sh\nls\n'), /never closed/);
    });

    test('trainCheck: passes a run that learned, fails one that did not or has no evaluation', () => {
      const dir = mkdtempSync(join(tmpdir(), 'readme-train-'));
      const step = (k: number, kind: 'sft' | 'grpo', mean: number, success: number | null) => ({
        step: k,
        kind,
        policy: `p@${k - 1}`,
        trained: `p@${k}`,
        adapter: null,
        metrics: null,
        reward: { mean, std: 0.1, episodes: 8, success: 0 },
        eval: success === null ? null : { successRate: success, meanReturn: success, episodes: 8 },
        rows: 8,
        seconds: 1,
      });
      const write = (eval0: number | null, steps: ReturnType<typeof step>[]) =>
        writeState(dir, {
          v: 1,
          env: 'echo-target@1.0.0',
          algo: 'grpo',
          model: 'tiny',
          name: 'p',
          seed: 0,
          group: 8,
          episodesPerStep: 8,
          baseTrainerStep: 0,
          eval0: eval0 === null ? null : { successRate: eval0, meanReturn: eval0, episodes: 8 },
          steps,
        });
      const ran: Ran = { code: 0, signal: null, stdout: '', stderr: '', seconds: 0 };
      const check = () => trainCheck(ran, `npx palestra train echo-target --model tiny --out ${dir}`, '/');
      // The SFT step's high reward is not the first RL step: 0.1 → (0.6 + 0.7) / 2 = 0.65.
      const learned = [step(1, 'sft', 0.9, null), step(2, 'grpo', 0.1, 0.2), step(3, 'grpo', 0.6, null)];
      write(0.1, [...learned, step(4, 'grpo', 0.7, 0.6)]);
      assert.throws(check, /no .*\/trainer\/state\.json/);
      mkdirSync(join(dir, 'trainer'));
      writeFileSync(join(dir, 'trainer', 'state.json'), '{"step": 3}\n');
      check();
      write(0.1, [...learned, step(4, 'grpo', 0.3, 0.5)]);
      assert.throws(check, /RL reward rose by 0\.350/);
      write(0.2, [...learned, step(4, 'grpo', 0.7, 0.5)]);
      assert.throws(check, /held-out success rose by 0\.30/);
      write(null, [...learned, step(4, 'grpo', 0.7, 0.5)]);
      assert.throws(check, /no step-0 evaluation/);
      rmSync(dir, { recursive: true, force: true });
    });
  }

  test(`every sh command of README.md ${PART_WORDS[part]} runs and shows what the README promises`, async (t) => {
    const all = readmeCommands(readFileSync(join(root, 'README.md'), 'utf8'));
    const commands = all.filter((c) => isTraining(c) === (part === 'training'));
    const skipped = commands.filter((c) => c.skip !== undefined);
    assert.ok(commands.length > 0, `README.md has sh commands ${PART_WORDS[part]}`);
    const allSkipped = all.filter((c) => c.skip !== undefined).length;
    assert.ok(allSkipped <= MAX_SKIPS, `${allSkipped} skipped commands; at most ${MAX_SKIPS}`);
    for (const c of commands)
      if (/^npm (test|t|run test)\b(?!:)/.test(c.command))
        assert.ok(
          c.skip,
          `README line ${c.line}: \`${c.command}\` would run this test again: mark it skipped`,
        );
    const only = process.env.README_TEST_ONLY ? new RegExp(process.env.README_TEST_ONLY) : undefined;

    // A chain left running by an interrupted run is stopped before its folder goes.
    if (existsSync(join(scratch, '.palestra/chain/chain.json')))
      await runShell('npx palestra chain down', scratch, process.env, MINUTE);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    for (const dir of ['examples', 'overseer']) symlinkSync(join(root, dir), join(scratch, dir), 'dir');
    const llm = await startLlmServer({ script: localModels });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: 'readme-test',
      PALESTRA_BENCH_SMOKE: '1',
      NO_COLOR: '1',
    };
    const ctx: Context = { env };
    const times: string[] = [];
    let ran = 0;
    const t0 = performance.now();
    try {
      for (const c of commands) {
        if (c.skip !== undefined || (only && !only.test(c.command))) continue;
        ran++;
        await t.test(`README line ${c.line}: ${c.command}`, async () => {
          const e = expectationFor(c);
          const port = new URL(llm.url).port;
          // Only the port number of the README's local endpoint changes.
          const command = c.command.replace(/(--base-url http:\/\/127\.0\.0\.1:)\d+/, `$1${port}`);
          const cwd = command.startsWith('npx palestra ') ? scratch : root;
          const started = performance.now();
          try {
            if (e?.run) await e.run(command, cwd, ctx);
            else await runAndCheck(e, command, cwd, ctx);
          } finally {
            const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
            times.push(`${seconds} s  ${c.command}${e ? '' : '  [no check of its output: exit 0 only]'}`);
          }
        });
      }
    } finally {
      await llm.close();
    }
    const report = [
      `README.md: ${commands.length} commands ${PART_WORDS[part]}; ${ran} ran in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${skipped.length} skipped:`,
      ...skipped.map((c) => `  line ${c.line}: ${c.command} (skipped: ${c.skip})`),
      ...(only
        ? [`  README_TEST_ONLY=${only.source}: ${commands.length - skipped.length - ran} not selected`]
        : []),
      ...times,
    ];
    for (const line of report) t.diagnostic(line);
  });
}

/** The one expectation that recognises this command (two would be a bug in the table). */
function expectationFor(c: ReadmeCommand): Expectation | undefined {
  const found = EXPECTATIONS.filter((e) => e.matches.test(c.command));
  assert.ok(found.length <= 1, `${c.command} matches ${found.map((e) => e.name).join(' and ')}`);
  return found[0];
}
