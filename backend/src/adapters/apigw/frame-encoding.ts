import type { ServerFrame } from '../../protocol/index.js';
import { sha256Hex } from './sigv4.js';

/** A frame's bytes on the wire and, once a signed post asked for it, their SHA-256 (the SigV4 payload hash). */
export interface EncodedFrame {
  readonly data: Buffer;
  /** data.byteLength as a header value. */
  readonly length: string;
  payloadHash: string | undefined;
}

/**
 * A fan-out posts the same frame object to every member of a room: it is serialized (and hashed) once, not once
 * per recipient. Frames are never changed once built, and the WeakMap lets each encoding go with its frame.
 */
const encodings = new WeakMap<ServerFrame, EncodedFrame>();

export function encoded(frame: ServerFrame): EncodedFrame {
  let encoding = encodings.get(frame);
  if (encoding === undefined) {
    const data = Buffer.from(JSON.stringify(frame), 'utf8');
    encoding = { data, length: String(data.byteLength), payloadHash: undefined };
    encodings.set(frame, encoding);
  }
  return encoding;
}

export function payloadHashOf(encoding: EncodedFrame): string {
  encoding.payloadHash ??= sha256Hex(encoding.data);
  return encoding.payloadHash;
}
