import { guestNameForContext, guestUser, userFromClaims } from '../auth/identity.js';
import type { User } from '../protocol/index.js';
import { authConfig, tokenVerifier } from './lib/deps.js';
import type { AuthorizerResult, WebSocketAuthorizerEvent } from './lib/events.js';
import { logger } from './lib/logger.js';

function policy(user: User, effect: 'Allow' | 'Deny', resource: string): AuthorizerResult {
  return {
    principalId: user.userId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
    context: { userId: user.userId, name: user.name },
  };
}

/**
 * REQUEST authorizer on $connect. Its context (userId, name) is attached by API Gateway to every later event
 * of the connection, which is what makes the sender identity unspoofable. Throwing "Unauthorized" makes API
 * Gateway answer 401; a Deny policy answers 403.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export async function handler(event: WebSocketAuthorizerEvent): Promise<AuthorizerResult> {
  const query = event.queryStringParameters ?? {};
  if (authConfig().mode === 'guest') {
    const name = query.name;
    if (!name) throw new Error('Unauthorized');
    return policy(guestUser(guestNameForContext(name)), 'Allow', event.methodArn);
  }
  const token = query.token;
  if (!token) throw new Error('Unauthorized');
  try {
    const claims = await tokenVerifier().verify(token);
    return policy(userFromClaims(claims), 'Allow', event.methodArn);
  } catch (error) {
    logger.info('token rejected', { reason: (error as Error).message });
    return policy({ userId: 'anonymous', name: 'anonymous' }, 'Deny', event.methodArn);
  }
}
