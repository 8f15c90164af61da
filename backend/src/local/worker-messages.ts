import type { FunctionSpec, LambdaRuntimeOptions } from './lambda-runtime.js';

/** What crosses between the gateway and its invocation worker threads; plain data only (structured clone). */
export interface WorkerInit {
  runtime: Omit<LambdaRuntimeOptions, 'loadModule' | 'maxConcurrency'>;
  /** Invocations the thread runs at once. */
  concurrency: number;
}

export interface InvocationRequest {
  id: number;
  spec: FunctionSpec;
  event: unknown;
  requestId: string;
  /** Only load the handler (prewarming); `event` is ignored. */
  warm?: boolean;
}

/** Structured clone keeps only the built-in error names; the handler's own (ConnectionGoneError…) matter in logs. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerMessage =
  { type: 'done'; id: number; error?: SerializedError } | { type: 'log'; message: string; error?: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
