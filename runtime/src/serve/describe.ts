import { compileSpaces, type GymSpec, taskCount, wireSpaces } from '@palestra/envs';
import { invalidActionSchema, STEP_OUTPUT_SCHEMA } from '../mcp/toolResult.ts';

/** OpenEnv's `EnvironmentMetadata`: exactly these fields (its pydantic model forbids any other). */
export interface EnvMetadata {
  name: string;
  description: string;
  readme_content: string | null;
  version: string | null;
  author: string | null;
  documentation_url: string | null;
}

/**
 * `GET /metadata`: OpenEnv's `EnvironmentMetadata`, nothing more: OpenEnv's server declares it as
 * the response model (`extra="forbid"`), so a client validating with it rejects any other key.
 * What Palestra knows beyond it (license, tags, tools, tasks, limits, action forms) is written into
 * `readme_content`, the markdown OpenEnv's web UI shows.
 */
export function envMetadata(spec: GymSpec): EnvMetadata {
  const tools = spec.tools.map((t) => `- \`${t.name}\`: ${t.description}`);
  const readme = [
    `# ${spec.name} ${spec.version}`,
    '',
    spec.description ?? '',
    '',
    `License: ${spec.license ?? 'unspecified'}. Tags: ${(spec.tags ?? []).join(', ') || 'none'}.`,
    `Tasks: ${taskCount(spec)}. At most ${spec.limits.maxSteps} steps per episode.`,
    '',
    '## Tools',
    ...(tools.length ? tools : ['(none)']),
    '',
    '## Actions',
    '- `{"tool": name, "arguments": {...}}`: one tool call',
    `- \`{"text": "..."}\`: a plain reply (event \`${spec.replyEvent}\`)`,
    '- `{"type": "call_tool", "tool_name": name, "arguments": {...}}`: OpenEnv\'s CallToolAction',
    '- `{"type": "list_tools"}`: OpenEnv\'s ListToolsAction',
    ...(compileSpaces(spec)
      ? [
          `- \`{"space": v}\`: a value of the Gymnasium action space (\`GET /spaces\`: ${JSON.stringify(wireSpaces(spec).action)})`,
        ]
      : []),
    '',
  ].join('\n');
  return {
    name: spec.name,
    description: spec.description ?? '',
    readme_content: readme,
    version: spec.version,
    author: spec.author ?? null,
    documentation_url: null,
  };
}

const metadataProp = {
  type: 'object',
  additionalProperties: true,
  description: "OpenEnv's action metadata: accepted and ignored",
};

/** A tool's arguments are required when its schema requires any property. */
function argsRequired(parameters: Record<string, unknown>): boolean {
  const req = parameters.required;
  return Array.isArray(req) && req.length > 0;
}

/**
 * The action schema: one alternative per tool (its `arguments` are the tool's own JSON Schema), the
 * text reply, and OpenEnv's MCP actions (`call_tool`, `list_tools`).
 */
export function actionSchema(spec: GymSpec): Record<string, unknown> {
  const tools = spec.tools.map((t) => ({
    title: t.name,
    description: t.description,
    type: 'object',
    properties: {
      tool: { const: t.name },
      arguments: t.parameters,
      metadata: metadataProp,
    },
    required: argsRequired(t.parameters as Record<string, unknown>) ? ['tool', 'arguments'] : ['tool'],
    additionalProperties: false,
  }));
  const names = spec.tools.map((t) => t.name);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${spec.name} action`,
    description:
      'One step: call one tool ({tool, arguments}) or reply with text ({text}). OpenEnv\'s MCP forms are accepted too: {type: "call_tool", tool_name, arguments} is the same tool call; {type: "list_tools"} lists the tools without taking a step.',
    oneOf: [
      ...tools,
      {
        title: 'text reply',
        description: `A model turn with no tool call: becomes the event {type: "${spec.replyEvent}", text}`,
        type: 'object',
        properties: { text: { type: 'string' }, metadata: metadataProp },
        required: ['text'],
        additionalProperties: false,
      },
      {
        title: 'call_tool',
        type: 'object',
        properties: {
          type: { const: 'call_tool' },
          tool_name: { enum: names },
          arguments: { type: 'object' },
          metadata: metadataProp,
        },
        required: ['type', 'tool_name'],
        additionalProperties: false,
      },
      ...spaceAction(spec),
      {
        title: 'list_tools',
        type: 'object',
        properties: { type: { const: 'list_tools' }, metadata: metadataProp },
        required: ['type'],
        additionalProperties: false,
      },
    ],
  };
}

/** `{"space": v}`, when the spec declares Gymnasium spaces: a value of the action space. */
function spaceAction(spec: GymSpec): Record<string, unknown>[] {
  const spaces = compileSpaces(spec);
  if (!spaces) return [];
  return [
    {
      title: 'space',
      description: `A value of the Gymnasium action space (GET /spaces' action: ${JSON.stringify(spaces.action)}), played as the tool call it stands for`,
      type: 'object',
      properties: { space: {}, metadata: metadataProp },
      required: ['space'],
      additionalProperties: false,
    },
  ];
}

/** The `observation` object (reward and done are beside it, at the top level of each response). */
export function observationSchema(spec: GymSpec): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${spec.name} observation`,
    type: 'object',
    properties: {
      text: { type: 'string', description: 'What an LLM agent reads' },
      json: { type: 'object', description: 'The structured observation' },
      step: { type: 'integer', minimum: 0 },
      state: { type: 'array', items: { type: 'string' }, description: 'Active states, dotted paths' },
      terminated: { type: 'boolean' },
      truncated: { type: 'boolean' },
      reward_micros: {
        type: ['integer', 'null'],
        description: 'The exact reward in micro-units (reward = reward_micros / 1e6); null at reset',
      },
      invalid_action: invalidActionSchema,
      episode_id: { type: 'string', description: 'After reset' },
      seed: { type: 'integer', description: 'After reset: replays the episode with the same actions' },
      task_id: { type: 'string', description: 'After reset' },
      instructions: { type: 'string', description: 'After reset' },
      metadata: { type: 'object', description: "OpenEnv's observation metadata: always {}" },
      tool_name: { type: 'string', description: 'After a call_tool action' },
      result: {
        type: ['object', 'null'],
        description: "After a call_tool action: FastMCP's CallToolResult; its data is the observation text",
      },
      error: { description: 'After a call_tool action: why the call was invalid, or null' },
      tools: { type: 'array', description: 'After a list_tools action (and nothing else then)' },
      space: {
        description:
          "The observation's value in the Gymnasium observation space (GET /spaces' observation), when the environment declares spaces",
      },
    },
  };
}

/**
 * The observation `POST /reset` (and a `/ws` reset) answers: the step observation's common fields
 * plus the episode's identity and the task's instructions, never a tool's result.
 */
export function resetObservationSchema(spec: GymSpec): Record<string, unknown> {
  const step = observationSchema(spec) as { properties: Record<string, unknown> };
  const { tool_name: _t, result: _r, error: _e, tools: _l, ...properties } = step.properties;
  return {
    ...step,
    title: `${spec.name} reset observation`,
    properties,
    required: ['text', 'json', 'step', 'state', 'episode_id', 'seed', 'task_id', 'instructions'],
  };
}

/** OpenEnv's `State` (`episode_id`, `step_count`) and Palestra's episode identity. */
export function stateSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'state',
    type: 'object',
    properties: {
      episode_id: { type: ['string', 'null'] },
      step_count: { type: 'integer', minimum: 0 },
      status: { enum: ['idle', 'running', 'ended'] },
      env: { type: 'string', description: 'name@version' },
      seed: { type: ['integer', 'null'] },
      task_id: { type: ['string', 'null'] },
      task_index: { type: ['integer', 'null'] },
      return_micros: { type: 'integer', description: 'Sum of the episode rewards in micro-units' },
    },
    required: ['episode_id', 'step_count'],
    additionalProperties: true,
  };
}

/**
 * MCP's tool list (`tools/list`): one tool per environment tool, its input schema unchanged, its
 * output schema the step's structured content (`STEP_OUTPUT_SCHEMA`).
 */
export function mcpTools(spec: GymSpec): {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
}[] {
  return spec.tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: t.parameters as Record<string, unknown>,
    outputSchema: STEP_OUTPUT_SCHEMA,
  }));
}

/** OpenEnv's `ListToolsObservation.tools`: `{name, description, input_schema}`. */
export function openEnvTools(
  spec: GymSpec,
): { name: string; description: string; input_schema: Record<string, unknown> }[] {
  return mcpTools(spec).map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.inputSchema,
  }));
}
