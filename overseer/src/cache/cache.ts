import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '@palestra/envs';

/**
 * Verdict cache: an LLM verdict is stored under the content hash of everything that determines it
 * (rubric, judge model, settings, transcript), so replay, re-scoring and verification never pay
 * twice. The hash of the stored entry is what an episode commits to when an LLM judged it.
 * Entries are JSON files (`<key>.json`), written atomically (temp file + rename).
 */
export interface VerdictKeyParts {
  rubric: string;
  judge: string;
  settings: Record<string, unknown>;
  transcript: unknown;
}

export interface CacheEntry<V> {
  v: 1;
  key: string;
  verdict: V;
}

export function verdictKey(parts: VerdictKeyParts): string {
  return sha256Hex(canonicalJson(parts));
}

export class VerdictCache<V> {
  hits = 0;
  misses = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get(key: string): { verdict: V; entryHash: string } | undefined {
    try {
      const entry = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as CacheEntry<V>;
      if (entry.key !== key) throw new Error('key mismatch');
      this.hits++;
      return { verdict: entry.verdict, entryHash: sha256Hex(canonicalJson(entry)) };
    } catch {
      this.misses++;
      return undefined;
    }
  }

  put(key: string, verdict: V): string {
    const entry: CacheEntry<V> = { v: 1, key, verdict };
    const tmp = join(this.dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, `${canonicalJson(entry)}\n`);
    renameSync(tmp, join(this.dir, `${key}.json`));
    return sha256Hex(canonicalJson(entry));
  }
}
