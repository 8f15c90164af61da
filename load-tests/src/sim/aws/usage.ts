import { COST_ASSUMPTIONS, messageUnits, rru } from '../../cost/cost.js';

/**
 * What one room's message used of the services billed per request, counted by the simulated ports as their calls
 * happen (Lambda time is the LambdaModel's and the send Lambda's). A 429 is not counted (the request was refused)
 * and neither is a 410 (nothing reached a socket); a post that reached its recipient is one API Gateway message per
 * 32 KB of its frame, whatever the frame (the message, the sender's ack, presence).
 */
export class UsageMeter {
  /** API Gateway messages, in 32 KB units: the client's send frame, then every frame delivered. */
  inboundMessages = 0;
  outboundMessages = 0;
  reads = 0;
  readUnits = 0;
  writes = 0;
  writeUnits = 0;

  /** A frame that API Gateway received from a client, or pushed to one. */
  frame(direction: 'in' | 'out', frame: unknown): void {
    const units = messageUnits(Buffer.byteLength(JSON.stringify(frame), 'utf8'));
    if (direction === 'in') this.inboundMessages += units;
    else this.outboundMessages += units;
  }

  /** A strongly consistent GetItem of a small item: 1 RRU. */
  getItem(): void {
    this.reads += 1;
    this.readUnits += 1;
  }

  /** A strongly consistent Query page: 1 RRU per 4 KB of the items it read (COST_ASSUMPTIONS' membership size). */
  query(items: number): void {
    this.reads += 1;
    this.readUnits += rru(items * COST_ASSUMPTIONS.membershipItemBytes);
  }

  /** A write (PutItem, UpdateItem, DeleteItem) of an item under 1 KB: 1 WRU. */
  write(): void {
    this.writes += 1;
    this.writeUnits += 1;
  }
}
