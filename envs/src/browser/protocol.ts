import type { EnvSource } from '../kernel/source.ts';
import type { QuickJSWasm } from '../sandbox/engine.ts';
import type { WireError } from '../sandbox/errorWire.ts';

/**
 * The messages between a page's `WorkerEnv` and its Web Worker (`serveEnvWorker`). Structured
 * clones, so a URL travels as its href.
 */
export interface InitMessage {
  kind: 'init';
  source: EnvSource;
  /** Where the worker loads QuickJS from (`setQuickJSWasm`); a URL as its href. */
  wasm?: Exclude<QuickJSWasm, URL>;
}

export interface RequestMessage {
  kind: 'request';
  id: number;
  op: 'reset' | 'step' | 'snapshot' | 'restore' | 'recover' | 'close';
  args: unknown[];
}

export type ToWorker = InitMessage | RequestMessage;

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WireError }
  | { kind: 'reply'; id: number; ok: unknown }
  | { kind: 'reply'; id: number; error: WireError };
