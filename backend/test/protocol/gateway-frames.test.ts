import { describe, expect, it } from 'vitest';
import { gatewayErrorFrame } from '../../src/local/error-frames.js';
import { gatewayErrorMessage } from '../../src/protocol/index.js';

describe('gatewayErrorMessage', () => {
  it("recognises API Gateway's own error frame, byte for byte as AWS sends it", () => {
    const frame =
      '{"message": "Internal server error", "connectionId":"9HmBcrs2rit7kn7=", "requestId":"bR3zXnfVjpbKxLq="}';
    expect(gatewayErrorMessage(frame)).toBe('Internal server error');
    expect(gatewayErrorMessage('{"message": "Forbidden", "connectionId":"a=", "requestId":"b="}')).toBe('Forbidden');
  });

  it('leaves protocol frames and garbage alone', () => {
    expect(gatewayErrorMessage('{"type":"error","code":"internal","message":"x","connectionId":"y"}')).toBeUndefined();
    expect(gatewayErrorMessage('{"message":"no connection id"}')).toBeUndefined();
    expect(gatewayErrorMessage('not json')).toBeUndefined();
    expect(gatewayErrorMessage('null')).toBeUndefined();
  });

  it('recognises every frame the local gateway sends in its place', () => {
    for (const message of ['Forbidden', 'Internal server error', 'Endpoint request timed out'] as const) {
      expect(gatewayErrorMessage(gatewayErrorFrame(message, 'conn=', 'req='))).toBe(message);
    }
  });
});
