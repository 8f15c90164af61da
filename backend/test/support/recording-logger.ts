import type { GatewayLogger } from '../../src/local/gateway.js';

const FANOUT_DONE = /^async invocation of fanout \(.+\) done$/;

/** A local gateway logger that keeps what tests assert on: info lines and errors (warnings are dropped). */
export class RecordingLogger implements GatewayLogger {
  readonly infos: string[] = [];
  readonly errors: string[] = [];

  info(message: string): void {
    this.infos.push(message);
  }

  warn(): void {}

  error(message: string, error?: unknown): void {
    this.errors.push(`${message} ${String(error ?? '')}`);
  }

  /** Finished `fanout` Event invocations so far: the gateway logs one line per invocation, like Lambda's END. */
  fanoutInvocationsDone(): number {
    return this.infos.filter((line) => FANOUT_DONE.test(line)).length;
  }
}
