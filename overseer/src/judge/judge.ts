import Anthropic from '@anthropic-ai/sdk';
import { type Episode, PalestraError } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import OpenAI from 'openai';
import { z } from 'zod';
import { VerdictCache, verdictKey } from '../cache/cache.ts';
import { GROUP_JUDGE_SUFFIX, micros, type Overseer, type Score } from '../types.ts';
import { type JudgeEndpoint, judgeRequestError } from './judgeError.ts';
import { JUDGE_GROUP_INSTRUCTIONS, JUDGE_INSTRUCTIONS, quoteTranscript, transcriptOf } from './transcript.ts';

/**
 * An LLM judge with a rubric: OpenAI Chat Completions (any compatible base URL: vLLM, llama.cpp
 * server, Ollama) or Anthropic Messages. Temperature 0, n samples voted by their median, the
 * verdict taken only from the judge's forced tool call and validated with zod, retries with
 * backoff on 429/5xx (the SDKs'), a concurrency limit, token and cost accounting, and a verdict
 * cache keyed by the content hash of (rubric, judge, settings, transcript). A request that still
 * fails after the retries is a `JudgeRequestError` (`judgeError.ts`: unreachable, timeout, key,
 * model, HTTP status), naming the URL and the model, never the SDK's raw error.
 */
export const judgeConfigSchema = z
  .object({
    provider: z.enum(['openai', 'anthropic']),
    model: z.string().min(1),
    rubric: z.string().min(1),
    baseURL: z.string().url().optional(),
    /** Environment variable holding the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY). */
    apiKeyEnv: z.string().optional(),
    samples: z.number().int().min(1).max(15).default(3),
    temperature: z.number().min(0).max(2).default(0),
    maxTokens: z.number().int().min(16).default(512),
    concurrency: z.number().int().min(1).default(4),
    maxRetries: z.number().int().min(0).default(3),
    timeoutMs: z.number().int().min(100).default(60_000),
    cacheDir: z.string().optional(),
    /** Dollars per million tokens, for cost accounting. */
    pricing: z
      .object({ input: z.number().min(0), output: z.number().min(0) })
      .strict()
      .optional(),
  })
  .strict();
export type JudgeConfig = z.input<typeof judgeConfigSchema>;

const verdictSchema = z
  .object({
    score: z.number().min(0).max(1),
    rationale: z.string().max(4000),
  })
  .strict();
export type Verdict = z.output<typeof verdictSchema>;

const VERDICT_TOOL = {
  name: 'submit_verdict',
  description: 'Submit your verdict on the episode.',
  parameters: {
    type: 'object',
    properties: {
      score: { type: 'number', minimum: 0, maximum: 1, description: '0 fails the rubric, 1 fully meets it' },
      rationale: { type: 'string', description: 'why, in one to three sentences' },
    },
    required: ['score', 'rationale'],
    additionalProperties: false,
  },
} as const;

const groupVerdictSchema = z
  .object({
    scores: z.array(
      z
        .object({
          episode: z.number().int(),
          score: z.number().min(0).max(1),
          rationale: z.string().max(4000),
        })
        .strict(),
    ),
  })
  .strict();

function groupTool(n: number) {
  return {
    name: 'submit_verdicts',
    description: `Submit one verdict for each of the ${n} episodes.`,
    parameters: {
      type: 'object',
      properties: {
        scores: {
          type: 'array',
          minItems: n,
          maxItems: n,
          items: {
            type: 'object',
            properties: {
              episode: { type: 'integer', minimum: 0, maximum: n - 1 },
              score: { type: 'number', minimum: 0, maximum: 1 },
              rationale: { type: 'string' },
            },
            required: ['episode', 'score', 'rationale'],
            additionalProperties: false,
          },
        },
      },
      required: ['scores'],
      additionalProperties: false,
    },
  };
}

/** How a judge is run, apart from what it judges (none of this changes a verdict). */
export interface JudgeOptions {
  /**
   * Verify, never pay: a verdict missing from the cache is an error (`VERDICT_NOT_CACHED`) instead
   * of a request. Used to re-derive committed scores (`palestra score --verify`).
   */
  cacheOnly?: boolean;
  /** The verdict cache folder, overriding the config's (a validator's copy of the scorer's cache). */
  cacheDir?: string;
}

export interface JudgeUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  cacheHits: number;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class LlmJudge implements Overseer {
  readonly id: string;
  readonly usage: JudgeUsage = { requests: 0, inputTokens: 0, outputTokens: 0, cost: 0, cacheHits: 0 };
  private readonly config: z.output<typeof judgeConfigSchema>;
  private readonly openai: OpenAI | undefined;
  private readonly anthropic: Anthropic | undefined;
  private readonly limit: Semaphore;
  private readonly cache: VerdictCache<{ samples: Verdict[] }> | undefined;
  private readonly cacheOnly: boolean;
  /** Where requests go: named by every transport or HTTP error of this judge. */
  private readonly endpoint: JudgeEndpoint;

  constructor(config: JudgeConfig, options: JudgeOptions = {}) {
    const parsed = judgeConfigSchema.safeParse(config);
    if (!parsed.success)
      throw new PalestraError(
        'JUDGE_CONFIG',
        `invalid judge config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    this.config = parsed.data;
    const c = this.config;
    this.id = `judge:${c.provider}:${c.model}`;
    const keyVar = c.apiKeyEnv ?? (c.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY');
    let apiKey = process.env[keyVar];
    if (!apiKey) {
      const local = c.baseURL !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(c.baseURL);
      // A cache-only judge never sends a request, so a verifier needs no key.
      if (!local && !options.cacheOnly)
        throw new PalestraError('MISSING_API_KEY', `the ${c.provider} judge needs an API key`, {
          hint: `set the environment variable ${keyVar} (or point baseURL at a local server)`,
        });
      apiKey = 'local';
    }
    const common = {
      apiKey,
      maxRetries: c.maxRetries,
      timeout: c.timeoutMs,
      ...(c.baseURL ? { baseURL: c.baseURL } : {}),
    };
    if (c.provider === 'openai') this.openai = new OpenAI(common);
    else this.anthropic = new Anthropic(common);
    this.endpoint = {
      provider: c.provider,
      model: c.model,
      url: (this.openai ?? this.anthropic)!.baseURL,
      retries: c.maxRetries,
      timeoutMs: c.timeoutMs,
    };
    this.limit = new Semaphore(c.concurrency);
    const cacheDir = options.cacheDir ?? c.cacheDir;
    this.cache = cacheDir ? new VerdictCache(cacheDir) : undefined;
    this.cacheOnly = options.cacheOnly ?? false;
    if (this.cacheOnly && !this.cache)
      throw new PalestraError('JUDGE_CONFIG', `${this.id} has no verdict cache to verify from`, {
        hint: 'give the judge a cacheDir (or --cache <dir>): committed verdicts are re-derived from the cache',
      });
  }

  /** In cache-only mode, a miss is an error that says what re-judging would cost. */
  private notCached(key: string, calls: number): PalestraError {
    return new PalestraError(
      'VERDICT_NOT_CACHED',
      `${this.id}: no cached verdict ${key.slice(0, 12)}… for this transcript; verifying it would mean re-judging`,
      {
        details: { key, calls },
        hint: `re-judging would cost ${calls} call${calls === 1 ? '' : 's'} to ${this.config.model}; copy the scorer's verdict cache (--cache <dir>), or score again without --verify to pay for it`,
      },
    );
  }

  protected prompt(episode: Episode): string {
    return `Rubric:\n${this.config.rubric}\n\n${quoteTranscript(transcriptOf(episode))}`;
  }

  /** One sample: the verdict from the judge's forced tool call, or an error. Text is never parsed. */
  private async sample(prompt: string): Promise<Verdict> {
    const v = verdictSchema.safeParse(await this.forcedCall(prompt, VERDICT_TOOL, JUDGE_INSTRUCTIONS));
    if (!v.success)
      throw new PalestraError(
        'JUDGE_BAD_VERDICT',
        `the verdict does not validate: ${v.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return v.data;
  }

  /** Asks the judge, forcing a call of `tool`; returns the call's arguments (never the text). */
  private async forcedCall(
    prompt: string,
    tool: { name: string; description: string; parameters: object },
    system: string,
  ): Promise<unknown> {
    this.usage.requests++;
    try {
      return await this.request(prompt, tool, system);
    } catch (e) {
      // The SDK's transport and HTTP errors become typed errors naming the URL and the model.
      throw judgeRequestError(e, this.endpoint);
    }
  }

  private async request(
    prompt: string,
    tool: { name: string; description: string; parameters: object },
    system: string,
  ): Promise<unknown> {
    const c = this.config;
    let args: unknown;
    if (this.openai) {
      const r = await this.openai.chat.completions.create({
        model: c.model,
        temperature: c.temperature,
        max_tokens: c.maxTokens,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: prompt },
        ],
        tools: [{ type: 'function', function: tool as never }],
        tool_choice: { type: 'function', function: { name: tool.name } },
      });
      this.account(r.usage?.prompt_tokens ?? 0, r.usage?.completion_tokens ?? 0);
      const call = r.choices[0]?.message?.tool_calls?.find(
        (t) => t.type === 'function' && t.function.name === tool.name,
      );
      if (call?.type !== 'function')
        throw new PalestraError('JUDGE_NO_VERDICT', `the judge answered without calling ${tool.name}`);
      try {
        args = JSON.parse(call.function.arguments);
      } catch {
        throw new PalestraError(
          'JUDGE_BAD_VERDICT',
          `the judge called ${tool.name} with arguments that are not JSON`,
        );
      }
    } else {
      const r = await this.anthropic!.messages.create({
        model: c.model,
        // The 1.x SDK's types omit `temperature`; the Messages API still takes it.
        ...({ temperature: c.temperature } as object),
        max_tokens: c.maxTokens,
        system,
        messages: [{ role: 'user', content: prompt }],
        tools: [{ name: tool.name, description: tool.description, input_schema: tool.parameters as never }],
        tool_choice: { type: 'tool', name: tool.name },
      });
      this.account(r.usage?.input_tokens ?? 0, r.usage?.output_tokens ?? 0);
      const block = r.content.find((b) => b.type === 'tool_use' && b.name === tool.name);
      if (block?.type !== 'tool_use')
        throw new PalestraError('JUDGE_NO_VERDICT', `the judge answered without calling ${tool.name}`);
      args = block.input;
    }
    return args;
  }

  /**
   * Scores a group of episodes of the same task together, relative to each other (in the manner
   * of ART's RULER): one request shows every transcript, each in its own fence, and the judge
   * returns one score per episode through a forced tool call. For GRPO only the differences
   * inside a group matter, and judging side by side makes them sharper.
   */
  async scoreGroup(episodes: Episode[]): Promise<Score[]> {
    if (episodes.length === 0) return [];
    if (episodes.length === 1) return [await this.scoreEpisode(episodes[0]!)];
    const c = this.config;
    const transcripts = episodes.map((e) => transcriptOf(e));
    const key = verdictKey({
      rubric: c.rubric,
      judge: `${this.id}${GROUP_JUDGE_SUFFIX}`,
      settings: { temperature: c.temperature, maxTokens: c.maxTokens },
      transcript: transcripts,
    });
    const cached = this.cache?.get(key);
    let verdicts: { episode: number; score: number; rationale: string }[];
    let entryHash: string | undefined;
    if (cached) {
      this.usage.cacheHits++;
      verdicts = cached.verdict.samples as never;
      entryHash = cached.entryHash;
    } else {
      if (this.cacheOnly) throw this.notCached(key, 1);
      const prompt = `Rubric:\n${c.rubric}\n\n${transcripts.map((t, i) => `Episode ${i}:\n${quoteTranscript(t)}`).join('\n\n')}`;
      const args = await this.limit.run(() =>
        this.forcedCall(prompt, groupTool(episodes.length), JUDGE_GROUP_INSTRUCTIONS),
      );
      const parsed = groupVerdictSchema.safeParse(args);
      if (!parsed.success)
        throw new PalestraError(
          'JUDGE_BAD_VERDICT',
          `the group verdict does not validate: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      verdicts = parsed.data.scores;
      const seen = new Set(verdicts.map((v) => v.episode));
      if (
        seen.size !== episodes.length ||
        verdicts.some((v) => v.episode < 0 || v.episode >= episodes.length)
      )
        throw new PalestraError(
          'JUDGE_BAD_VERDICT',
          `the group verdict must score each of the ${episodes.length} episodes exactly once`,
        );
      if (this.cache) entryHash = this.cache.put(key, { samples: verdicts as never });
    }
    return episodes.map((_, i) => {
      const v = verdicts.find((x) => x.episode === i)!;
      const m = micros(v.score);
      return {
        reward: fromMicros(m),
        micros: m,
        components: [{ name: 'rubric (group-relative)', micros: m, weight: 1 }],
        rationale: v.rationale,
        confidence: 1,
        judge: `${this.id}${GROUP_JUDGE_SUFFIX}`,
        ...(entryHash
          ? {
              verdictHash: entryHash,
              verdicts: [{ judge: `${this.id}${GROUP_JUDGE_SUFFIX}`, key, entry: entryHash }],
            }
          : {}),
      };
    });
  }

  private account(input: number, output: number): void {
    this.usage.inputTokens += input;
    this.usage.outputTokens += output;
    if (this.config.pricing)
      this.usage.cost += (input * this.config.pricing.input + output * this.config.pricing.output) / 1e6;
  }

  async scoreEpisode(episode: Episode): Promise<Score> {
    const c = this.config;
    // The content hash is only needed to look up and store verdicts: no cache, no hashing.
    const key = this.cache
      ? verdictKey({
          rubric: c.rubric,
          judge: this.id,
          settings: { samples: c.samples, temperature: c.temperature, maxTokens: c.maxTokens },
          transcript: transcriptOf(episode),
        })
      : '';
    let samples: Verdict[];
    let entryHash: string | undefined;
    const cached = this.cache?.get(key);
    if (cached) {
      this.usage.cacheHits++;
      samples = cached.verdict.samples;
      entryHash = cached.entryHash;
    } else {
      if (this.cacheOnly) throw this.notCached(key, c.samples);
      const prompt = this.prompt(episode);
      samples = await Promise.all(
        Array.from({ length: c.samples }, () => this.limit.run(() => this.sample(prompt))),
      );
      if (this.cache) entryHash = this.cache.put(key, { samples });
    }
    const scores = samples.map((s) => s.score).sort((a, b) => a - b);
    const median =
      scores.length % 2
        ? scores[(scores.length - 1) / 2]!
        : (scores[scores.length / 2 - 1]! + scores[scores.length / 2]!) / 2;
    const spread = scores[scores.length - 1]! - scores[0]!;
    const m = micros(median);
    const closest = samples.reduce((a, b) =>
      Math.abs(b.score - median) < Math.abs(a.score - median) ? b : a,
    );
    return {
      reward: fromMicros(m),
      micros: m,
      components: [{ name: 'rubric', micros: m, weight: 1 }],
      rationale: closest.rationale,
      confidence: Math.max(0, 1 - spread),
      judge: this.id,
      ...(entryHash ? { verdictHash: entryHash, verdicts: [{ judge: this.id, key, entry: entryHash }] } : {}),
    };
  }
}
