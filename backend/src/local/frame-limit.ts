import type { Duplex } from 'node:stream';

/**
 * Watches the raw bytes of an upgraded socket for data frames longer than API Gateway's 32 KB frame quota.
 * AWS closes such connections with 1009 even when the whole message is under the 128 KB message quota, and
 * browsers send every message as a single frame, so a 40 KB message from a browser is fatal on AWS. `ws` only
 * limits whole messages (maxPayload), hence this header-only parser running beside it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 */
const MAX_HEADER_BYTES = 14;

export function watchFrameSizes(
  socket: Duplex,
  maxFrameBytes: number,
  onTooLarge: (length: number) => void,
): () => void {
  let header = Buffer.alloc(0);
  /** Payload bytes (incl. none of the header) still to skip before the next frame header. */
  let skip = 0;
  let tripped = false;

  const onData = (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length && !tripped) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - offset);
        skip -= n;
        offset += n;
        continue;
      }
      const take = Math.min(MAX_HEADER_BYTES - header.length, chunk.length - offset);
      const candidate = Buffer.concat([header, chunk.subarray(offset, offset + take)]);
      const parsed = parseHeader(candidate);
      if (!parsed) {
        // Incomplete, so every byte taken belongs to the header.
        header = candidate;
        offset += take;
        continue;
      }
      offset += parsed.headerLength - header.length;
      header = Buffer.alloc(0);
      const isDataFrame = parsed.opcode <= 0x2;
      if (isDataFrame && parsed.payloadLength > maxFrameBytes) {
        tripped = true;
        onTooLarge(parsed.payloadLength);
        return;
      }
      skip = parsed.payloadLength;
    }
  };
  // Ahead of ws's own listener, so an oversized frame that arrives in one chunk is flagged before ws emits it.
  socket.prependListener('data', onData);
  return () => socket.off('data', onData);
}

/** Undefined until `buf` holds the complete header (2 + 0/2/8 length bytes + 4 mask bytes). */
function parseHeader(buf: Buffer): { opcode: number; payloadLength: number; headerLength: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  const len7 = buf[1]! & 0x7f;
  const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const headerLength = 2 + extra + (masked ? 4 : 0);
  if (buf.length < headerLength) return undefined;
  let payloadLength = len7;
  if (len7 === 126) payloadLength = buf.readUInt16BE(2);
  else if (len7 === 127) payloadLength = Number(buf.readBigUInt64BE(2));
  return { opcode, payloadLength, headerLength };
}
