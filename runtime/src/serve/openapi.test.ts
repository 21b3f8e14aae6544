import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { startServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted field by field
type Json = any;

const ENV = 'echo-target';

/** Every path OpenEnv 0.10's server has, Palestra's extras, and some it has not. */
const CANDIDATES = [
  '/',
  '/health',
  '/metadata',
  '/schema',
  '/state',
  '/reset',
  '/step',
  '/mcp',
  '/ws',
  '/web',
  '/docs',
  '/redoc',
  '/openapi.json',
  '/harness',
  '/list_environments',
  `/${ENV}/splits`,
  `/${ENV}/tasks`,
  `/${ENV}/num_tasks`,
  `/${ENV}/task`,
  `/${ENV}/task_range`,
  '/sessions',
  '/spaces',
  '/vector/reset',
  '/vector/step',
  '/vector/close',
  '/vector',
  '/tasks',
  '/constructor',
];

describe('GET /openapi.json documents every route the server answers', async () => {
  const server = await startServer(loadCatalog(ENV), { port: 0 });
  after(() => server.close());
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  const documented = (path: string, method: string) =>
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).some(
      ([template, ops]) =>
        new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path) && method.toLowerCase() in ops,
    );

  test("an OpenAPI 3.1 document: info.version is the environment's, OpenEnv's simulation-mode paths are there", () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, loadCatalog(ENV).spec.version);
    for (const [path, method] of [
      ['/reset', 'post'],
      ['/step', 'post'],
      ['/state', 'get'],
      ['/health', 'get'],
      ['/metadata', 'get'],
      ['/schema', 'get'],
      ['/mcp', 'post'],
      ['/web', 'get'],
      ['/openapi.json', 'get'],
      ['/{env_name}/tasks', 'post'],
      ['/spaces', 'get'],
      ['/vector/reset', 'post'],
      ['/vector/step', 'post'],
      ['/vector/close', 'post'],
    ] as const)
      assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
    // The step body's action is the environment's action schema, the one /schema gives.
    const step = doc.paths['/step'].post.requestBody.content['application/json'].schema;
    assert.ok(step.properties.action.oneOf.some((a: Json) => a.title === 'echo'));
  });

  test('each documented route answers (never 404 or 405), with its path parameters filled in', async () => {
    for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      const path = template.replace('{env_name}', ENV);
      for (const method of Object.keys(ops)) {
        const res = await fetch(server.url + path, {
          method: method.toUpperCase(),
          ...(method === 'post' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
        });
        await res.arrayBuffer();
        assert.ok(![404, 405].includes(res.status), `${method} ${path}: ${res.status}`);
      }
    }
  });

  test('every path and method the server answers is documented; the rest is 404 or 405', async () => {
    let answered = 0;
    for (const path of CANDIDATES)
      for (const method of ['GET', 'POST']) {
        const res = await fetch(server.url + path, {
          method,
          ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
        });
        await res.arrayBuffer();
        if (documented(path, method)) {
          answered += 1;
          assert.ok(![404, 405].includes(res.status), `${method} ${path}: ${res.status}`);
        } else
          assert.ok([404, 405].includes(res.status), `${method} ${path} answers ${res.status} undocumented`);
      }
    assert.ok(answered >= 15, `${answered} documented candidates`);
    assert.equal((await fetch(`${server.url}/other-env/splits`)).status, 404);
  });

  test("OpenEnv's task API lists the train and eval splits and their tasks; index is reset's task_index", async () => {
    const post = async (path: string, body: unknown) =>
      (
        await fetch(server.url + path, { method: 'POST', body: JSON.stringify(body) })
      ).json() as Promise<Json>;
    assert.deepEqual(await (await fetch(`${server.url}/list_environments`)).json(), [ENV]);
    const splits = (await (await fetch(`${server.url}/${ENV}/splits`)).json()) as Json;
    assert.deepEqual(
      splits.map((s: Json) => s.name),
      ['train', 'eval'],
    );
    const { num_tasks } = await post(`/${ENV}/num_tasks`, { split: 'train' });
    const { tasks } = await post(`/${ENV}/tasks`, { split: 'train' });
    assert.equal(tasks.length, num_tasks);
    const range = await post(`/${ENV}/task_range`, { split: 'train', start: 1, stop: 3 });
    assert.deepEqual(range.tasks, tasks.slice(1, 3));
    const one = await post(`/${ENV}/task`, { split: 'train', index: 1 });
    assert.deepEqual(one.task, tasks[1]);
    const reset = await post('/reset', { seed: 0, task_index: tasks[1].index });
    assert.equal(reset.observation.task_id, tasks[1].id);
    const outOfRange = await fetch(`${server.url}/${ENV}/task`, {
      method: 'POST',
      body: JSON.stringify({ split: 'train', index: 10_000 }),
    });
    assert.equal(outOfRange.status, 400);
  });

  test('/web plays an episode by hand: forms from the schema, the episode replayed from its seed', async () => {
    const page = await (await fetch(`${server.url}/web`)).text();
    assert.match(page, /<form method="post" action="\/web">/);
    const form = (fields: Record<string, string>) =>
      fetch(`${server.url}/web`, { method: 'POST', body: new URLSearchParams(fields) }).then((r) => r.text());
    const reset = await form({ kind: 'reset', seed: '3', task_index: '0' });
    assert.match(reset, /id="reward">null</);
    assert.match(reset, /name="arg\.word"/);
    const history = /name="history" value="([^"]*)"/.exec(reset)?.[1];
    assert.equal(history, '[]');
    const word = /with the word: (\w+)/.exec(reset)?.[1];
    assert.ok(word, reset);
    const step = await form({
      kind: 'tool',
      tool: 'echo',
      seed: '3',
      task_index: '0',
      history: '[]',
      'arg.word': word,
    });
    assert.match(step, /id="reward">1</);
    assert.match(step, /id="done">true</);
    assert.match(step, /&quot;step_count&quot;: 1/);
  });
});
