/**
 * Where judge verdicts are cached when a judge config names no `cacheDir` (and where `--verify`
 * looks for them). Its own module so that `palestra score --help` can name it without loading the
 * scoring engine.
 */
export const DEFAULT_VERDICT_CACHE = '.palestra/verdicts';
