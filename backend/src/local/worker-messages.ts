import { LambdaTimeoutError, type FunctionSpec, type LambdaRuntimeOptions } from './lambda-runtime.js';

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
  /** The invocation's timeout when it is shorter than the function's (a route: API Gateway's 29 s cap). */
  timeoutMs?: number;
}

/** Structured clone keeps only the built-in error names; the handler's own (ConnectionGoneError…) matter in logs. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Set for a LambdaTimeoutError, which the gateway tells apart (504 vs the handler's own error). */
  timeout?: { functionName: string; timeoutMs: number };
}

export type WorkerMessage =
  | { type: 'done'; id: number; result?: unknown; error?: SerializedError }
  | { type: 'log'; message: string; error?: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof LambdaTimeoutError)
    return {
      name: error.name,
      message: error.message,
      timeout: { functionName: error.functionName, timeoutMs: error.timeoutMs },
    };
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(serialized: SerializedError): Error {
  if (serialized.timeout) return new LambdaTimeoutError(serialized.timeout.functionName, serialized.timeout.timeoutMs);
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
