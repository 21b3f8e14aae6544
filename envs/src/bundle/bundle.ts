import { z } from 'zod';
import { canonicalJson } from '../episode/hash.ts';
import { PalestraError } from '../errors.ts';
import { type EnvSource, envSource } from '../kernel/source.ts';
import { checkJsonText, type JsonLimits, SPEC_LIMITS } from '../spec/limits.ts';

/** Format tag inside the canonical bytes, so a future layout can never collide with this one. */
export const BUNDLE_FORMAT = 'palestra-bundle/1';

/**
 * Limits on bundle bytes read back (from the store, later from 0G Storage): a spec nests one level
 * deeper inside a bundle than in its file, and the code files add to the size (a module file has no
 * size limit of its own, so this one is generous: it only keeps a hostile bundle from exhausting
 * memory while it is decoded).
 */
export const BUNDLE_LIMITS: JsonLimits = { maxDepth: SPEC_LIMITS.maxDepth + 1, maxChars: 256 * 1024 * 1024 };

/**
 * The canonical bytes of an environment: RFC 8785 JSON of `{ format, spec, files }` (the validated
 * spec, defaults included, and every code file by name). Same content → same bytes anywhere.
 */
export function bundleBytes(source: EnvSource): Uint8Array {
  const files: Record<string, string> = {};
  for (const name of Object.keys(source.files).sort()) files[name] = source.files[name]!;
  return new TextEncoder().encode(canonicalJson({ format: BUNDLE_FORMAT, spec: source.spec, files }));
}

/** The layout of the bundle bytes; the spec itself is validated by `envSource` afterwards. */
const bundleSchema = z.object({
  format: z.string(),
  spec: z.record(z.string(), z.unknown()),
  files: z.record(z.string(), z.string()),
});

/**
 * The environment in bundle bytes: the inverse of `bundleBytes`. Bytes that are not UTF-8 JSON,
 * not in this format, or whose spec does not validate throw `BUNDLE_INVALID` (the spec's own
 * `SpecError` is the cause). For the current catalog `bundleBytes(sourceOfBundle(b))` is `b`; a
 * bundle written before a spec default was added decodes to the spec with that default.
 *
 * @example
 * const source = sourceOfBundle(bundleBytes(loadCatalog('frozen-lake')));
 */
export function sourceOfBundle(bytes: Uint8Array, what = 'bundle'): EnvSource {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(what, 'its bytes are not UTF-8');
  }
  try {
    checkJsonText(text, BUNDLE_LIMITS, what);
  } catch (e) {
    throw invalid(what, (e as Error).message, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid(what, `it is not JSON (${(e as Error).message})`);
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(what, `${['$', ...issue.path].join('.')}: ${issue.message}`);
  }
  const { format, spec, files } = parsed.data;
  if (format !== BUNDLE_FORMAT)
    throw invalid(what, `its format is "${format}"; this version reads "${BUNDLE_FORMAT}"`, {
      hint: 'a newer Palestra wrote it: upgrade Palestra to read it',
    });
  try {
    return envSource(spec, files);
  } catch (e) {
    throw invalid(what, `its spec does not validate: ${(e as Error).message}`, { cause: e });
  }
}

function invalid(
  what: string,
  reason: string,
  options: { hint?: string; cause?: unknown } = {},
): PalestraError {
  return new PalestraError('BUNDLE_INVALID', `${what} is not a Palestra bundle: ${reason}`, {
    details: { what },
    hint:
      options.hint ??
      'a bundle is the canonical JSON `{ format, spec, files }` written by Palestra; fetch or store it again from the environment folder',
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/**
 * The bundle id: the 0G Storage Merkle root of the canonical bytes, computed offline with the 0G
 * SDK, so the id in the local store is the root the same bytes get on 0G Storage.
 *
 * @example
 * const id = await bundleId(loadCatalog('refund-desk')); // '0x…' (32 bytes)
 */
export async function bundleId(source: EnvSource): Promise<string> {
  return merkleRoot(bundleBytes(source));
}

/**
 * The 0G SDK, loaded on first use: it loads ethers, which costs every CLI start a few hundred
 * milliseconds when imported at module top, though most commands never compute a root.
 */
let sdk: Promise<typeof import('@0glabs/0g-ts-sdk')> | undefined;

/** 0G Storage Merkle root of arbitrary bytes. */
export async function merkleRoot(bytes: Uint8Array): Promise<string> {
  sdk ??= import('@0glabs/0g-ts-sdk');
  const { MemData } = await sdk;
  const [tree, err] = await new MemData(bytes).merkleTree();
  const hint = 'the 0G SDK could not hash these bytes: report it, with the environment, as a bug';
  if (err || !tree)
    throw new PalestraError('BUNDLE_FAILED', `0G Merkle tree failed: ${err?.message ?? 'no tree'}`, { hint });
  const root = tree.rootHash();
  if (!root) throw new PalestraError('BUNDLE_FAILED', '0G Merkle tree has no root', { hint });
  return root;
}
