import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleBytes, merkleRoot, sourceOfBundle } from '../bundle/bundle.ts';
import type { EnvSource } from '../kernel/source.ts';
import { BadRootError, NotInStoreError, StoreCorruptError } from './errors.ts';

/** A bundle root: the 0G Storage Merkle root of the bundle bytes, `0x` and 64 hex digits. */
const ROOT = /^0x[0-9a-fA-F]{64}$/;

/** True when `ref` has the syntax of a root (`0x` + 64 hex digits), whatever case. */
export function isRoot(ref: string): boolean {
  return ROOT.test(ref);
}

/**
 * `ref` as a root in the store's spelling (lower case), or `BAD_ROOT`. The only way a root becomes
 * a file name: 64 hex digits cannot hold a `/` or `..`, so no root reaches outside the store.
 */
export function checkRoot(ref: string): string {
  if (!isRoot(ref)) throw new BadRootError(ref);
  return ref.toLowerCase();
}

/** The store of a working directory: `.palestra/store` under it. */
export function defaultStoreDir(cwd: string = process.cwd()): string {
  return join(cwd, '.palestra', 'store');
}

/**
 * The local content store: bundle bytes in one folder, each file named by its root
 * (`<dir>/0x…`). Content-addressed, so a file is written once and never changes; every read is
 * checked against its root, so a corrupt file is an error, never an environment. The same roots
 * name the same bytes on 0G Storage, a second backend for this store.
 *
 * @example
 * const store = new ContentStore();                  // .palestra/store under the working directory
 * const root = await store.putSource(loadCatalog('frozen-lake'));
 * const source = await store.getSource(root);
 */
export class ContentStore {
  /** The store's folder (absolute). */
  readonly dir: string;

  constructor(dir: string = defaultStoreDir()) {
    this.dir = resolve(dir);
  }

  /** The file that holds (or would hold) `root`. Throws `BAD_ROOT` for anything but a root. */
  fileOf(root: string): string {
    return join(this.dir, checkRoot(root));
  }

  /** True when the store has a file for `root` (not read: `get` checks its content). */
  has(root: string): boolean {
    return existsSync(this.fileOf(root));
  }

  /**
   * Stores bytes under their root and returns the root. Idempotent. Atomic: the bytes go to a
   * temporary file in the same folder, synced, then renamed over the final name, so a reader sees
   * the whole file or none, and concurrent puts of the same bytes (two runs of one environment)
   * each rename a complete, identical file. A corrupt file under that root is replaced.
   */
  async put(bytes: Uint8Array): Promise<string> {
    const root = (await merkleRoot(bytes)).toLowerCase();
    const file = this.fileOf(root);
    if (await holds(file, bytes)) return root;
    await mkdir(this.dir, { recursive: true });
    // A dot name that is never a root, unique per writer: no two puts share a temporary file.
    const temp = join(this.dir, `.${root}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (e) {
      // Where rename cannot replace a file another writer holds open, that writer put these bytes.
      if (!(await holds(file, bytes))) throw e;
    } finally {
      await rm(temp, { force: true });
    }
    return root;
  }

  /** Stores an environment's bundle (`bundleBytes`) and returns its root, its `bundleId`. */
  async putSource(source: EnvSource): Promise<string> {
    return this.put(bundleBytes(source));
  }

  /**
   * The bytes stored under `root`, checked: their Merkle root is computed again and must be
   * `root`. Throws `BAD_ROOT`, `NOT_IN_STORE`, or `STORE_CORRUPT` (naming the file to delete).
   */
  async get(root: string): Promise<Uint8Array> {
    const file = this.fileOf(root);
    let buffer: Buffer;
    try {
      buffer = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new NotInStoreError(checkRoot(root), this.dir);
      throw e;
    }
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const actual = (await merkleRoot(bytes)).toLowerCase();
    if (actual !== checkRoot(root)) throw new StoreCorruptError(file, checkRoot(root), actual);
    return bytes;
  }

  /** The environment stored under `root` (`get`, then `sourceOfBundle`: `BUNDLE_INVALID` if malformed). */
  async getSource(root: string): Promise<EnvSource> {
    return sourceOfBundle(await this.get(root), this.fileOf(root));
  }

  /** Every root the store holds, sorted (temporary files of unfinished puts are not roots). */
  roots(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => ROOT.test(name))
      .sort();
  }
}

/** True when `file` exists with exactly these bytes. */
async function holds(file: string, bytes: Uint8Array): Promise<boolean> {
  try {
    return (await readFile(file)).equals(bytes);
  } catch {
    return false;
  }
}
