import { localOptionsFromEnv, type LocalOptions } from './options.js';
import { describeSimulation, simulationFromArgs, USAGE, UsageError } from './simulation-flags.js';
import { startLocalStack } from './stack.js';

/** `npm start -w backend [-- flags]`: the local backend until Ctrl-C. */
const argv = process.argv.slice(2);
let options: LocalOptions;
try {
  if (simulationFromArgs(argv).help) {
    console.log(USAGE);
    process.exit(0);
  }
  options = localOptionsFromEnv(process.env, argv);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}

// On Lambda a stray rejection fails one invocation and recycles that sandbox; here every function shares the
// process, so report it and keep serving rather than take the whole local stack down.
process.on('unhandledRejection', (reason) => console.error('[local] unhandled rejection in a handler:', reason));

const stack = await startLocalStack({ ...options, prewarmAsync: true }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${(error as { port?: number }).port ?? ''} is already in use (another \`npm start\`?). ` +
      'Choose others with LOCAL_WS_PORT / LOCAL_DYNAMODB_PORT (0 = any free port).',
  );
  process.exit(1);
});
console.log(`WebSocket API:   ${stack.wsUrl}/${options.params.authMode === 'jwt' ? '?token=<JWT>' : '?name=alice'}`);
console.log(`Management API:  ${stack.managementUrl}/@connections/{connectionId}`);
console.log(`Lambda Invoke:   ${stack.managementUrl}/2015-03-31/functions/{name}/invocations`);
console.log(`DynamoDB:        ${stack.dynamoEndpoint}`);
const { workers, concurrencyPerWorker } = stack.asyncInvocations;
console.log(`Event invokes:   ${workers === 0 ? 'in-process' : `up to ${workers} worker threads x ${concurrencyPerWorker} at once (started on first use)`}`);
console.log(`AWS simulation:  ${describeSimulation(options.simulation)}`);
console.log(`Routes from ${options.serverlessFile} (stage ${options.stage}). Ctrl-C to stop.`);

let stoppingSince: number | undefined;
const stop = (signal: string) => {
  if (stoppingSince !== undefined) {
    // One Ctrl-C reaches npm, tsx and node (each may relay it): only a later, deliberate one forces the exit.
    if (Date.now() - stoppingSince > 1_000) process.exit(130);
    return;
  }
  stoppingSince = Date.now();
  console.log(`\n${signal}: stopping (Ctrl-C again to force)`);
  stack.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
