import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DispatchError } from '../../domain/errors.js';
import type { FanoutDispatcher, FanoutJob } from '../../domain/ports.js';
import type { FanoutEvent } from '../../protocol/index.js';
import type { ApiTarget } from '../sdk-clients.js';

export type { FanoutEvent };

/**
 * Hands each job to the `fanout` function as an asynchronous invocation (InvocationType Event): Lambda queues
 * it and answers 202 at once, so `send` returns while the workers post in parallel. Async payloads may be
 * 256 KB; a job carries one frame of at most 128 KB.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export class LambdaFanoutDispatcher implements FanoutDispatcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    private readonly target: ApiTarget,
  ) {}

  async dispatch(job: FanoutJob): Promise<void> {
    const event: FanoutEvent = { ...job, target: this.target };
    let status: number | undefined;
    try {
      const out = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(event), 'utf8'),
        }),
      );
      status = out.StatusCode;
    } catch (error) {
      throw new DispatchError(
        `Invoking ${this.functionName} failed: ${error instanceof Error ? error.name : String(error)}`,
        {
          cause: error,
        },
      );
    }
    if (status !== 202) throw new DispatchError(`Invoking ${this.functionName} answered ${status}, not 202`);
  }
}
