/** Every client builder in one place, for tests and tools; handlers import the per-service modules. */
export { cached, keepAliveHandler, type ApiTarget, type ClientConfig } from './sdk-clients.js';
export { createDocumentClient, documentClient } from './dynamodb/client.js';
export { createLambdaClient, lambdaClient } from './lambda/client.js';
export {
  createManagementApiClient,
  createSignedPoster,
  gatewayFor,
  managementApiClient,
  managementEndpoint,
  signedPoster,
} from './apigw/clients.js';
