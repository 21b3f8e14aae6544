/**
 * Errors of the content store and of finding an environment by its content. Each class takes the
 * offending values and words the message and the hint itself, so every caller says the same thing
 * and a caller narrows by class (`e instanceof EnvChangedError`) or by `code`.
 */
import { PalestraError } from '../errors.ts';

/** A root shortened for a message: `0x1c0e0a56…`. Hints and `details` carry the whole root. */
export function shortRoot(root: string): string {
  return `${root.slice(0, 10)}…`;
}

/** A failure of the local content store: a bad root, a root it does not hold, a corrupt file. */
export class StoreError extends PalestraError {
  override name = 'StoreError';
}

/** `BAD_ROOT`: a reference that should be a root is not `0x` and 64 hex digits. */
export class BadRootError extends StoreError {
  override name = 'BadRootError';
  constructor(readonly ref: string) {
    super('BAD_ROOT', `"${ref.length > 80 ? `${ref.slice(0, 77)}...` : ref}" is not a bundle root`, {
      details: { ref },
      hint: 'a bundle root is 0x and 64 hex digits, as `palestra check` prints it and episode headers record it',
    });
  }
}

/** `NOT_IN_STORE`: the store holds no bundle with this root. */
export class NotInStoreError extends StoreError {
  override name = 'NotInStoreError';
  constructor(
    readonly root: string,
    readonly dir: string,
  ) {
    super('NOT_IN_STORE', `no bundle ${shortRoot(root)} in the store (${dir})`, {
      details: { root, dir },
      hint: 'name the environment by its folder or catalog name once (e.g. `palestra check <folder>`): every run that resolves an environment stores its bundle',
    });
  }
}

/** `STORE_CORRUPT`: a stored file whose bytes no longer hash to the root it is named by. */
export class StoreCorruptError extends StoreError {
  override name = 'StoreCorruptError';
  constructor(
    readonly file: string,
    readonly root: string,
    readonly actual: string,
  ) {
    super(
      'STORE_CORRUPT',
      `${file} is corrupt: its bytes hash to ${shortRoot(actual)}, not ${shortRoot(root)}`,
      {
        details: { file, root, actual },
        hint: `delete ${file}; the next run that resolves this environment from its folder or catalog name stores it again`,
      },
    );
  }
}

/** What refuses an episode's environment: the episode's name and recorded root. */
interface Recorded {
  /** `spec.name` in the episode header. */
  name: string;
  /** `spec.root` in the episode header: the bundle that recorded the episode. */
  root: string;
}

function overrideHint(root: string): string {
  return `the episode was recorded with bundle ${root}; pass --env <folder> to replay it against another version explicitly`;
}

/** `ENV_CHANGED`: the environment named in an episode exists, but its content is not the recorded one. */
export class EnvChangedError extends PalestraError {
  override name = 'EnvChangedError';
  constructor(
    readonly recorded: Recorded,
    /** The root of the environment found by that name now. */
    readonly found: string,
  ) {
    super(
      'ENV_CHANGED',
      `environment "${recorded.name}" has changed since the episode was recorded: the episode has bundle ${shortRoot(recorded.root)}, "${recorded.name}" is now ${shortRoot(found)}`,
      { details: { name: recorded.name, recorded: recorded.root, found }, hint: overrideHint(recorded.root) },
    );
  }
}

/** `ENV_NOT_FOUND`: neither the store nor the catalog has the environment that recorded an episode. */
export class EpisodeEnvNotFoundError extends PalestraError {
  override name = 'EpisodeEnvNotFoundError';
  constructor(
    readonly recorded: Recorded,
    /** The store that was searched. */
    readonly dir: string,
  ) {
    super(
      'ENV_NOT_FOUND',
      `no environment has bundle ${shortRoot(recorded.root)}, which recorded this episode of "${recorded.name}": it is not in the store (${dir}) and no catalog environment is named "${recorded.name}"`,
      { details: { name: recorded.name, recorded: recorded.root, dir }, hint: overrideHint(recorded.root) },
    );
  }
}
