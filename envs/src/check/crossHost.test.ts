import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEnv } from '../kernel/env.ts';
import { envSource } from '../kernel/source.ts';
import { type CheckReport, checkEnv, formatCheckReport } from './check.ts';
import { checkCrossHost, startCrossHostRun } from './crossHost.ts';
import { firstDivergence } from './divergence.ts';

const door = {
  specVersion: 1,
  name: 'door',
  version: '1.0.0',
  context: { initial: { tries: 0, seen: 0 } },
  tasks: { list: [{ id: 'd', instructions: 'open the door' }] },
  tools: [{ name: 'push', description: 'push the door', event: 'PUSH' }],
  machine: {
    initial: 'closed',
    states: {
      closed: { on: { PUSH: { target: 'open', actions: 'count' } } },
      open: { type: 'final' },
    },
  },
  actions: { count: { assign: { tries: 'tries + 1' } } },
  reward: { rules: [{ onEnter: 'open', value: 1 }], bounds: { min: 0, max: 1 } },
  observation: { template: 'tries: {{tries}}, seen: {{seen}}' },
};

/** The door, whose action records `read()` of a module into the context (and so the observation). */
function doorReading(body: string) {
  const spec = structuredClone(door);
  (spec.actions as Record<string, unknown>).count = { module: 'host.js#count' };
  return envSource(spec, {
    'host.js': `export function count({ context }) { return { tries: context.tries + 1, seen: (${body}) }; }`,
  });
}

function crossHost(report: CheckReport) {
  const f = report.findings.find((x) => x.check === 'cross-host');
  assert.ok(f, formatCheckReport(report));
  return f;
}

/** A module for the other process, as a data: URL (`--import` takes one). */
function inject(code: string): string {
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

// That the catalog passes across hosts is asserted in check.test.ts.
test('a host difference injected into the other process is found, with its step and field', async () => {
  // Only the other process rounds 1e6 differently: a one-micro-unit change in the reward of the
  // step that opens the door. The check must notice that much.
  const skew = inject('const r = Math.round; Math.round = (x) => (x === 1e6 ? 1000001 : r(x));');
  const report = await checkEnv(envSource(door), {
    episodes: 3,
    crossHost: { childImports: [skew] },
  });
  const f = crossHost(report);
  assert.equal(f.level, 'error', formatCheckReport(report));
  assert.equal(f.code, 'HOST_DIVERGENCE');
  assert.match(
    f.message,
    /first at step 1, field "info\.rewardComponents\[0\]\.micros": 1000000 here, 1000001 there/,
  );
  assert.match(f.message, /TZ=[A-Za-z_/]+, a host clock 7\.0 years ahead, a fresh process/);
  assert.ok(f.hint);
  assert.equal(report.ok, false);
});

test('another process that fails is a check that could not run, never a pass', async () => {
  const report = await checkEnv(envSource(door), {
    episodes: 2,
    crossHost: { childImports: [inject('process.exit(3)')] },
  });
  const f = crossHost(report);
  assert.equal(f.level, 'error');
  assert.equal(f.ran, false);
  assert.match(f.message, /could not run: the other process exited with 3 without a result/);
  assert.equal(report.ok, false);
});

test('another process whose answer has the wrong shape is a check that could not run, not a crash', async () => {
  // Before its answer was parsed with a schema, `null` crashed the checker from an event handler
  // and `{"traces": []}` threw a TypeError out of checkEnv.
  for (const answer of ['null', '{"traces": []}', '{"traces": 5, "host": {"timeZone": "UTC", "now": 1}}']) {
    const replace = `const w = process.stdout.write.bind(process.stdout); process.stdout.write = (_s, ...a) => w(${JSON.stringify(answer)}, ...a);`;
    const report = await checkEnv(envSource(door), {
      episodes: 2,
      crossHost: { childImports: [inject(replace)] },
    });
    const f = crossHost(report);
    assert.equal(f.ran, false, answer);
    assert.equal(f.code, 'CHECK_NOT_RUN');
    assert.match(
      f.message,
      /could not run: the other process answered without its traces and host conditions: /,
    );
    assert.equal(report.ok, false);
  }
});

/**
 * Environments that read the host's real clock or zone through a QuickJS intrinsic. The sandbox
 * is being closed against this; until then the cross-host check must catch them, and after, the
 * check must still not pass one unless its episodes really are the same everywhere. Either way a
 * pass has to mean the episodes do not depend on the host.
 */
for (const [what, body, logical] of [
  ['the host clock (its year)', 'new (Date.prototype.constructor)().getFullYear()', 2000],
  ['the host time zone', 'new (Date.prototype.constructor)(0).getTimezoneOffset()', 0],
] as const) {
  test(`an environment that reads ${what} is not passed unless it is deterministic across hosts`, async () => {
    const source = doorReading(body);
    const report = await checkEnv(source, { episodes: 3 });
    const text = formatCheckReport(report);
    const f = crossHost(report);
    if (f.level === 'error' && f.ran) {
      assert.equal(f.code, 'HOST_DIVERGENCE');
      assert.match(f.message, /first at step 1, field "observation\.(json\.context\.seen|text)"/);
      return;
    }
    const refused = report.findings.find(
      (x) => x.level === 'error' && ['build', 'episodes'].includes(x.check),
    );
    if (refused) return; // the sandbox refuses the read with a typed error: also right
    // Otherwise the read must have been the sandbox's logical clock (2000-01-01 UTC), the same on any host.
    assert.equal(f.level, 'ok', text);
    const env = await makeEnv(source);
    env.reset({ seed: 0 });
    const seen = (env.step({ tool: 'push' }).observation.json.context as { seen: number }).seen;
    env.close();
    assert.equal(
      seen,
      logical,
      `the module read ${seen}, not the logical clock, and the check passed:\n${text}`,
    );
  });
}

test('on a host without Node processes (a browser) the check could not run, and says why', async () => {
  // No `process` for as long as the run starts (synchronously): what a Web Worker's global scope has.
  const real = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
  let run: ReturnType<typeof startCrossHostRun>;
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true });
  try {
    run = startCrossHostRun(envSource(door));
  } finally {
    Object.defineProperty(globalThis, 'process', real);
  }
  run.play([{ seed: 0, actions: [], trace: [], returnMicros: 0 }]);
  const f = await checkCrossHost(run);
  assert.equal(f.level, 'error');
  assert.equal(f.ran, false);
  assert.equal(f.message, 'could not run: this host cannot start a second Node process (a browser, say)');
});

test('firstDivergence names the step and the first differing field in key order', () => {
  const a = [{ info: { seed: 1 } }, { observation: { text: 'a' }, reward: 1 }];
  assert.equal(firstDivergence(a, structuredClone(a)), undefined);
  assert.deepEqual(firstDivergence(a, [a[0], { observation: { text: 'b' }, reward: 2 }]), {
    step: 1,
    field: 'observation.text',
    expected: 'a',
    actual: 'b',
  });
  assert.deepEqual(firstDivergence(a, [a[0]]), {
    step: 1,
    field: '(step)',
    expected: 'a step',
    actual: 'no step',
  });
  assert.equal(firstDivergence([{ x: [1, 2] }], [{ x: [1, 3] }])?.field, 'x[1]');
});
