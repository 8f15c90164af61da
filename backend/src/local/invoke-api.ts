import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send, sendError } from './http-replies.js';
import { lambdaRequestId } from './ids.js';
import { LambdaTimeoutError, type FunctionSpec } from './lambda-runtime.js';

/**
 * The Lambda Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations) on the gateway's port, so
 * handlers invoke other functions with the real LambdaClient pointed at LAMBDA_ENDPOINT. The wire follows AWS,
 * which the SDK depends on: StatusCode, FunctionError and the exception class all come from status and headers.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** name, name:qualifier, 123456789012:function:name[:qualifier] or arn:aws:lambda:region:123456789012:function:name[:qualifier]. */
const FUNCTION_NAME = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?([^:]+)(?::([^:]+))?$/;

const INVOCATION_TYPES = new Set(['RequestResponse', 'Event', 'DryRun']);

export interface InvokePayloadLimits {
  /** 6 MB for a RequestResponse request. */
  maxSyncPayloadBytes: number;
  /** For the handler's RequestResponse result, see AWS_LIMITS. */
  maxSyncResponseBytes: number;
  /** For Event invocations, see AWS_LIMITS. */
  maxAsyncPayloadBytes: number;
}

export interface InvokeApiOptions {
  functions: ReadonlyMap<string, FunctionSpec>;
  /** Deployed functions are named `${service}-${stage}-${key}`; both that and the plain key are accepted. */
  service: string;
  stage: string;
  region: string;
  accountId: string;
  limits: InvokePayloadLimits;
  invokeSync(spec: FunctionSpec, event: unknown, requestId: string): Promise<unknown>;
  /** Starts the invocation and returns at once; its failures are the caller's to report (nobody waits for them). */
  invokeAsync(spec: FunctionSpec, event: unknown, requestId: string): void;
}

/** The serverless.yml function a FunctionName of any accepted form names; region and account are not checked. */
export function resolveFunction(
  name: string,
  options: Pick<InvokeApiOptions, 'functions' | 'service' | 'stage'>,
): FunctionSpec | undefined {
  const base = FUNCTION_NAME.exec(name)?.[1];
  if (!base) return undefined;
  const prefix = `${options.service}-${options.stage}-`;
  return (
    (base.startsWith(prefix) ? options.functions.get(base.slice(prefix.length)) : undefined) ??
    options.functions.get(base)
  );
}

/** Returns false when the request is not an Invoke call, so the caller can serve something else. */
export function handleInvokeRequest(req: IncomingMessage, res: ServerResponse, options: InvokeApiOptions): boolean {
  const match = INVOKE_PATH.exec((req.url ?? '/').split('?')[0] ?? '/');
  if (!match?.[1] || req.method !== 'POST') return false;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    req.resume();
    sendError(res, 400, 'InvalidParameterValueException', { Type: 'User', message: 'Invalid function name' });
    return true;
  }
  invoke(req, res, name, options).catch(() => {
    if (!res.headersSent)
      sendError(res, 400, 'InvalidRequestContentException', {
        Type: 'User',
        message: 'Could not read the request body',
      });
  });
  return true;
}

async function invoke(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  options: InvokeApiOptions,
): Promise<void> {
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (!INVOCATION_TYPES.has(type)) {
    req.resume();
    return sendError(res, 400, 'InvalidParameterValueException', {
      Type: 'User',
      message: `Unsupported invocation type ${type}`,
    });
  }
  const spec = resolveFunction(name, options);
  if (!spec) {
    req.resume();
    // FunctionName may already be an ARN: AWS names the function it looked for, not the string it was given.
    const [, base = name, qualifier] = FUNCTION_NAME.exec(name) ?? [];
    const arn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${base}${qualifier ? `:${qualifier}` : ''}`;
    return sendError(res, 404, 'ResourceNotFoundException', { Type: 'User', message: `Function not found: ${arn}` });
  }
  const isEvent = type === 'Event';
  const limit = isEvent ? options.limits.maxAsyncPayloadBytes : options.limits.maxSyncPayloadBytes;
  const body = await readBody(req, limit);
  if (body === undefined) {
    // The messages AWS sends, as seen in SDK error reports.
    const message = isEvent
      ? `${req.headers['content-length'] ?? 'The'} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
      : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
    return sendError(res, 413, 'RequestEntityTooLargeException', { Type: 'User', message });
  }
  if (type === 'DryRun') return send(res, 204);

  let event: unknown;
  try {
    // Lambda hands an empty payload to the function as {}.
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (error) {
    return sendError(res, 400, 'InvalidRequestContentException', {
      Type: 'User',
      message: `Could not parse request body into json: ${(error as Error).message}`,
    });
  }

  const requestId = lambdaRequestId();
  const headers = { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
  if (isEvent) {
    options.invokeAsync(spec, event, requestId);
    return send(res, 202, undefined, { 'x-amzn-RequestId': requestId });
  }
  let payload: string;
  try {
    // A handler returning nothing gives the caller the JSON `null`.
    payload = JSON.stringify((await options.invokeSync(spec, event, requestId)) ?? null);
  } catch (error) {
    return send(res, 200, functionError(error, requestId), { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
  }
  if (Buffer.byteLength(payload) > options.limits.maxSyncResponseBytes) {
    // A result that fits locally but not on AWS would fail only once deployed.
    const errorMessage = `Response payload size exceeded maximum allowed payload size (${options.limits.maxSyncResponseBytes} bytes).`;
    return send(
      res,
      200,
      { errorType: 'Function.ResponseSizeTooLarge', errorMessage },
      { ...headers, 'X-Amz-Function-Error': 'Unhandled' },
    );
  }
  send(res, 200, payload, headers);
}

/** The error payload of the Node.js runtime: status 200, details in the body, X-Amz-Function-Error set. */
function functionError(
  error: unknown,
  requestId: string,
): { errorType: string; errorMessage: string; trace?: string[] } {
  if (error instanceof LambdaTimeoutError) {
    const seconds = (error.timeoutMs / 1000).toFixed(2);
    return {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
    };
  }
  if (error instanceof Error)
    return { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
  return { errorType: typeof error, errorMessage: String(error) };
}
