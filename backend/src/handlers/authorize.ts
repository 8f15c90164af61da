import { guestNameForContext, guestUser, TokenRejectedError, userFromClaims } from '../auth/identity.js';
import type { User } from '../protocol/index.js';
import { authConfig, tokenVerifier } from './lib/auth-deps.js';
import type { AuthorizerResult, WebSocketAuthorizerEvent } from '../apigw/events.js';
import { logger } from './lib/logger.js';

function policy(user: User, effect: 'Allow' | 'Deny', resource: string): AuthorizerResult {
  return {
    principalId: user.userId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context: { userId: user.userId, name: user.name },
  };
}

/**
 * REQUEST authorizer on $connect. Its context (userId, name) is attached by API Gateway to every later event
 * of the connection, which is what makes the sender identity unspoofable. Throwing "Unauthorized" makes API
 * Gateway answer 401; a Deny policy answers 403; any other failure answers 500.
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
    if (!(error instanceof TokenRejectedError)) {
      // The issuer's keys could not be fetched (or JWT mode is misconfigured). Failing makes API Gateway answer
      // 500, which a client retries; a Deny (403) would tell it that its token is bad and it should sign in again.
      logger.error('token verification unavailable', { error: error as Error });
      throw error;
    }
    logger.info('token rejected', { reason: error.message });
    return policy({ userId: 'anonymous', name: 'anonymous' }, 'Deny', event.methodArn);
  }
}
