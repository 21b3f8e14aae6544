/**
 * `@palestra/errors`: the error base every Palestra package shares, the registry of error codes,
 * and `walk()` over causes. It sits below every package and imports nothing.
 */
export { PalestraError, type PalestraErrorOptions } from './PalestraError.ts';
export { type CodeInfo, describeCode, registerCodes, registeredCodes } from './registry.ts';
export { walk } from './walk.ts';
