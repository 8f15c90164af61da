import { describe, expect, it } from 'vitest';
import { gatewayErrorMessage } from '../src/load-worker.js';

describe('gatewayErrorMessage', () => {
  it("recognises API Gateway's own error frame, byte for byte as AWS sends it", () => {
    const frame = '{"message": "Internal server error", "connectionId":"9HmBcrs2rit7kn7=", "requestId":"bR3zXnfVjpbKxLq="}';
    expect(gatewayErrorMessage(frame)).toBe('Internal server error');
    expect(gatewayErrorMessage('{"message": "Forbidden", "connectionId":"a=", "requestId":"b="}')).toBe('Forbidden');
  });

  it('leaves protocol frames and garbage alone', () => {
    expect(gatewayErrorMessage('{"type":"error","code":"internal","message":"x","connectionId":"y"}')).toBeUndefined();
    expect(gatewayErrorMessage('{"message":"no connection id"}')).toBeUndefined();
    expect(gatewayErrorMessage('not json')).toBeUndefined();
    expect(gatewayErrorMessage('null')).toBeUndefined();
  });
});
