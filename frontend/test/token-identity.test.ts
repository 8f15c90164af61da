import { describe, expect, it } from 'vitest';
import { identityOf } from '../src/realtime/token-identity.js';
import { jwt } from './jwt.js';

describe('the identity a token carries', () => {
  it('is the user the authorizer derives from the claims: sub, then the first presentable name claim', () => {
    expect(identityOf({ token: jwt({ sub: 'local:Ana', name: 'Ana', preferred_username: 'ana' }) })).toEqual({
      userId: 'local:Ana',
      name: 'Ana',
    });
    expect(identityOf({ token: jwt({ sub: 'u-1', name: '\u0007', 'cognito:username': 'zoë' }) })).toEqual({
      userId: 'u-1',
      name: 'zoë',
    });
  });

  it('is unknown for a guest, a token without sub, or one that is not a readable JWT', () => {
    expect(identityOf({ name: 'alice' })).toBeUndefined();
    expect(identityOf({ token: jwt({ name: 'Ana' }) })).toBeUndefined();
    expect(identityOf({ token: jwt(['not', 'claims']) })).toBeUndefined();
    for (const token of ['a.b.c', 'bad.token', 'id-1', '', 'x.!!!.y'])
      expect(identityOf({ token }), token).toBeUndefined();
  });
});
