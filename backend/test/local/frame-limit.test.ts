import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchFrameSizes } from '../../src/local/frame-limit.js';

/** A masked client frame header (RFC 6455 section 5.2) followed by `payloadBytes` of payload. */
function frame(opcode: number, payloadBytes: number): Buffer {
  let header: Buffer;
  if (payloadBytes < 126) header = Buffer.from([0x80 | opcode, 0x80 | payloadBytes]);
  else if (payloadBytes < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(payloadBytes, 2);
    header[1] = 0x80 | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(payloadBytes), 2);
    header[1] = 0x80 | 127;
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, Buffer.from([1, 2, 3, 4]), Buffer.alloc(payloadBytes, 0x61)]);
}

function watch(limit: number) {
  const socket = new PassThrough();
  socket.on('data', () => undefined); // ws's own reader, which puts the socket in flowing mode
  const tripped: number[] = [];
  watchFrameSizes(socket, limit, (length) => tripped.push(length));
  return { socket, tripped };
}

describe('frame size watcher', () => {
  it('trips on the first data frame over the limit, for every length encoding', () => {
    for (const size of [125, 200, 70_000]) {
      const { socket, tripped } = watch(size - 1);
      socket.write(Buffer.concat([frame(0x1, 10), frame(0x9, 0), frame(0x2, size)]));
      expect(tripped).toEqual([size]);
    }
  });

  it('follows frame boundaries when the bytes arrive one at a time', () => {
    const { socket, tripped } = watch(300);
    const bytes = Buffer.concat([frame(0x1, 300), frame(0x0, 126), frame(0x8, 2), frame(0x1, 301)]);
    for (const byte of bytes) socket.write(Buffer.from([byte]));
    expect(tripped).toEqual([301]);
  });

  it('ignores control frames and frames at the limit', () => {
    const { socket, tripped } = watch(100);
    socket.write(Buffer.concat([frame(0x1, 100), frame(0xa, 125), frame(0x0, 100)]));
    expect(tripped).toEqual([]);
  });
});
