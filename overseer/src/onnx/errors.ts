import { PalestraError } from '@palestra/envs';

/**
 * Something an ONNX reward model cannot do as configured: a missing or unloadable model file, an
 * input the model does not take, an output that is not a finite number, a tokenizer folder
 * without its files. `code` says which; `details` carries the offending values (a path, the
 * expected and actual shapes, a row); `hint` says what to do.
 *
 * @example
 * try { await OnnxScorer.load(cfg) } catch (e) { if (e instanceof OnnxError) console.error(e.explain()) }
 */
export class OnnxError extends PalestraError {
  override name = 'OnnxError';
}

/** A zod issue path as the JSON path users see (`$.features[2]`). */
export function issuePath(path: readonly PropertyKey[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}
