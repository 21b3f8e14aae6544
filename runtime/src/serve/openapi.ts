import type { GymSpec } from '@palestra/envs';

/** A JSON Schema, as OpenAPI 3.1 embeds it. */
export type JsonSchema = Record<string, unknown>;

/**
 * One route of `palestra serve`, as the server dispatches it and as `/openapi.json` documents it:
 * the same entry does both, so the document cannot list a route the server does not answer or
 * miss one it does. `path` is an OpenAPI template (`/{env_name}/tasks`).
 */
export interface RouteDoc {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  tag: string;
  /** The request body's JSON Schema (POST routes that take one). */
  body?: () => JsonSchema;
  /** The answer's media type (default JSON) and JSON Schema. */
  response?: { type?: 'application/json' | 'text/html'; schema?: () => JsonSchema; status?: number };
  /** Statuses the route answers besides 200 / 422, with what they mean. */
  otherStatuses?: Record<string, string>;
}

const validationError = {
  type: 'object',
  properties: {
    detail: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          msg: { type: 'string' },
          input: {},
        },
        required: ['type', 'loc', 'msg'],
      },
    },
    code: { type: 'string', description: "Palestra's code, when there is one (INPUT_TOO_DEEP)" },
  },
};

/**
 * The OpenAPI 3.1 document of a server: `info.version` is the environment's version, one entry per
 * route of `routes`, in table order. `openenv validate --url` reads its paths to tell the server's
 * mode (`/reset`, `/step`, `/state` present: OpenEnv's simulation mode).
 *
 * @example
 * openApiDocument(spec, routes).paths['/step'].post.summary
 */
export function openApiDocument(spec: GymSpec, routes: readonly RouteDoc[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const media = r.response?.type ?? 'application/json';
    const status = String(r.response?.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: {
        description: status === '101' ? 'Switching Protocols' : 'Successful Response',
        ...(status === '101'
          ? {}
          : {
              content: {
                [media]: {
                  schema: r.response?.schema?.() ?? (media === 'text/html' ? { type: 'string' } : {}),
                },
              },
            }),
      },
    };
    if (r.body)
      responses['422'] = {
        description: 'Validation Error',
        content: { 'application/json': { schema: validationError } },
      };
    for (const [code, description] of Object.entries(r.otherStatuses ?? {}))
      responses[code] = { description };
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}_${r.path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'root'}`,
      ...(params.length ? { parameters: params } : {}),
      ...(r.body
        ? { requestBody: { required: false, content: { 'application/json': { schema: r.body() } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${spec.name} (palestra serve)`,
      version: spec.version,
      description:
        `${spec.description ?? ''}\n\nServed by \`palestra serve\` with OpenEnv's HTTP and WebSocket protocol.`.trim(),
    },
    paths,
  };
}
