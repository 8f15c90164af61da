import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { requestTimeOf } from '../../src/local/ids.js';
import { openClient, useFixtureGateway } from './helpers.js';

/**
 * requestContext.requestTimeEpoch is when API Gateway received the frame. Message ids are derived from it, so a
 * frame that waits for a free handler must keep its receipt time, or two frames of one connection could swap.
 */
/** The route invocations the local gateway runs at once (LambdaRuntime's default). */
const ROUTE_SLOTS = 32;
/** The fixture's `slow` route holds its slot until the 1 s function timeout. */
const SLOT_HELD_MS = 1_000;
const { gateway: fixtureGateway, clients } = useFixtureGateway();

describe('requestContext.requestTimeEpoch', () => {
  it('is when the gateway received the frame, not when a busy handler slot freed up', async () => {
    // Prepare: every route slot busy
    const busy = await openClient(`${fixtureGateway().wsUrl}/?name=busy`);
    const client = await openClient(`${fixtureGateway().wsUrl}/?name=alice`);
    clients.push(busy, client);
    for (let i = 0; i < ROUTE_SLOTS; i++) busy.ws.send('{"action":"slow"}');
    await sleep(50);

    // Act: two frames 5 ms apart on one connection
    const sentA = Date.now();
    client.ws.send('{"action":"echo","n":"a"}');
    await sleep(5);
    const sentB = Date.now();
    client.ws.send('{"action":"echo","n":"b"}');
    const replies = [await client.nextJson(), await client.nextJson()];
    const repliedAt = Date.now();

    // Assess: they waited for a slot, yet carry their receipt times, in order
    expect(repliedAt - sentB).toBeGreaterThan(SLOT_HELD_MS / 2);
    const contexts = Object.fromEntries(
      replies.map((r) => [JSON.parse(r.event.body).n as string, r.event.requestContext]),
    );
    const [a, b] = [contexts.a, contexts.b];
    expect(a.requestTimeEpoch).toBeGreaterThanOrEqual(sentA);
    expect(a.requestTimeEpoch).toBeLessThan(sentA + SLOT_HELD_MS / 2);
    expect(b.requestTimeEpoch).toBeGreaterThanOrEqual(sentB);
    expect(b.requestTimeEpoch).toBeLessThan(sentB + SLOT_HELD_MS / 2);
    expect(b.requestTimeEpoch).toBeGreaterThan(a.requestTimeEpoch);
    expect(b.requestTime).toBe(requestTimeOf(b.requestTimeEpoch));
  });

  it("keeps one connection's frames in arrival order when the gateway reads several in the same millisecond", async () => {
    const client = await openClient(`${fixtureGateway().wsUrl}/?name=burst`);
    clients.push(client);
    for (let i = 0; i < 5; i += 1) client.ws.send(`{"action":"echo","n":${i}}`);
    // Hold this process's event loop (the gateway's too): the frames arrive meanwhile and are read in one go.
    const until = Date.now() + 30;
    while (Date.now() < until) {
      // busy
    }
    const replies = await Promise.all(Array.from({ length: 5 }, () => client.nextJson()));
    const byN = replies
      .map((r) => JSON.parse(r.event.body) as { n: number })
      .map((body, i) => ({ n: body.n, at: replies[i]!.event.requestContext.requestTimeEpoch as number }));
    const times = byN.sort((x, y) => x.n - y.n).map((r) => r.at);
    for (let i = 1; i < times.length; i += 1) expect(times[i]).toBeGreaterThan(times[i - 1]!);
  });
});
