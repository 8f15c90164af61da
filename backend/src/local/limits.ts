/**
 * API Gateway WebSocket (and Lambda Invoke) quotas the local gateway enforces, so code that works locally does not break on AWS
 * on the first large message or long-lived tab. Values and behaviour from
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 * Tests shorten the timers; nothing else should.
 */
export interface GatewayLimits {
  /** "Message payload size 128 KB": a bigger incoming message closes the connection with 1009. */
  maxMessageBytes: number;
  /**
   * "WebSocket frame size 32 KB": a bigger incoming frame closes with 1009 too. Browsers send each message as
   * one frame, so in practice this is the limit for browser clients.
   */
  maxFrameBytes: number;
  /** "Idle Connection Timeout 10 minutes": no data frame either way for this long closes with 1001 "Going away". */
  idleTimeoutMs: number;
  /** "Connection duration for WebSocket API 2 hours": closed with 1001 "Going away" even when busy. */
  maxLifetimeMs: number;
  /** @connections POST payloads share the 128 KB message quota; bigger ones get 413 PayloadTooLargeException. */
  maxPostBytes: number;
  /**
   * "Integration timeout 50 ms - 29 s": after this API Gateway stops waiting for the Lambda and the client gets
   * "Endpoint request timed out". The Lambda's own timeout (provider.timeout) applies first when shorter.
   */
  integrationTimeoutMs: number;
  /** Lambda Invoke request body for RequestResponse: 6 MB, else 413 RequestEntityTooLargeException. */
  maxSyncPayloadBytes: number;
  /**
   * A RequestResponse result: the runtime API refuses more than 6,291,556 bytes (100 over 6 MiB, the figure its
   * "Exceeded maximum allowed payload size" errors name), and Invoke answers Function.ResponseSizeTooLarge.
   */
  maxSyncResponseBytes: number;
  /**
   * Lambda Invoke request body for Event invocations. 256 KB, the limit AWS enforced for years; AWS has since
   * documented 1 MB (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), so staying under 256 KB
   * keeps code working on both.
   */
  maxAsyncPayloadBytes: number;
}

export const AWS_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  maxMessageBytes: 128 * 1024,
  maxFrameBytes: 32 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxLifetimeMs: 2 * 60 * 60 * 1000,
  maxPostBytes: 128 * 1024,
  integrationTimeoutMs: 29_000,
  maxSyncPayloadBytes: 6 * 1024 * 1024,
  maxSyncResponseBytes: 6 * 1024 * 1024 + 100,
  maxAsyncPayloadBytes: 256 * 1024,
});
