import { readFileSync } from 'node:fs';
import { canonicalJson, PalestraError, sha256Hex } from '@palestra/envs';
import { type OverseerConfig, overseerConfigSchema } from './config.ts';

/** Bumped when the hashed form below changes, so an old hash can never match a new meaning. */
const CONFIG_HASH_VERSION = 1;

/**
 * The content hash of an overseer configuration, as a score record commits it: SHA-256 of the
 * canonical JSON of the fields that decide a score, defaults applied. Left out on purpose, since
 * they change how a judge runs but not what it decides (and a validator sets them differently):
 * the cache folder, API key variable, base URL, concurrency, retries, timeout and prices. (The
 * base URL goes too because the verdict cache key names the judge by provider and model only.)
 * An ONNX member is hashed by the bytes of its model file, not by its path.
 *
 * @example
 * overseerConfigHash(loadOverseerConfig('rules')); // the same on every machine
 */
export function overseerConfigHash(config: OverseerConfig): string {
  const parsed = overseerConfigSchema.parse(config);
  const members = parsed.members.map((m) => {
    if (m.kind === 'rules') return m;
    if (m.kind === 'judge') {
      const { kind, weight, provider, model, rubric, samples, temperature, maxTokens } = m;
      return { kind, weight, provider, model, rubric, samples, temperature, maxTokens };
    }
    const { model, ...rest } = m;
    let bytes: Buffer;
    try {
      bytes = readFileSync(model);
    } catch (e) {
      throw new PalestraError(
        'OVERSEER_CONFIG',
        `cannot read the ONNX model ${model}: ${(e as Error).message}`,
        {
          hint: 'an ONNX member is committed by the content of its model file; give a path that exists here',
        },
      );
    }
    return { ...rest, model: { sha256: sha256Hex(bytes) } };
  });
  return sha256Hex(canonicalJson({ overseerConfig: CONFIG_HASH_VERSION, members }));
}
