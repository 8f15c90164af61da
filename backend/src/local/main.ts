import { bannerLines } from './banner.js';
import { USAGE, UsageError } from './cli-args.js';
import { DataDirInUseError, wipeLocalData } from './local-data.js';
import { localOptionsFromEnv, type LocalOptions } from './options.js';
import { simulationFromArgs } from './simulation-flags.js';
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

/** A busy port or data directory is an everyday mistake: one line saying what to do, no stack trace. */
function exitOnEverydayError(error: NodeJS.ErrnoException): never {
  if (error instanceof DataDirInUseError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${(error as { port?: number }).port ?? ''} is already in use (another \`npm start\`?). ` +
      'Choose others with LOCAL_WS_PORT / LOCAL_DYNAMODB_PORT (0 = any free port).',
  );
  process.exit(1);
}

if (options.resetData && options.dataDir !== undefined) {
  await wipeLocalData(options.dataDir).catch(exitOnEverydayError);
  console.log(`Wiped the local data in ${options.dataDir}`);
}
const stack = await startLocalStack({ ...options, prewarmAsync: true }).catch(exitOnEverydayError);
for (const line of bannerLines(stack, options)) console.log(line);

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
