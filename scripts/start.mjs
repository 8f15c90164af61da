#!/usr/bin/env node
/**
 * `npm start`: the local backend (embedded DynamoDB + WebSocket gateway) and the web client side by side,
 * with prefixed output. Ctrl-C or SIGTERM stops both; if either exits on its own, the other is stopped too.
 * Children run in their own process group (POSIX) so one forwarded signal reaches npm, tsx and node exactly
 * as a terminal Ctrl-C would, without the terminal also signalling them behind our back.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';
const color = process.stdout.isTTY && !process.env.NO_COLOR;

function hasScript(workspace, script) {
  const file = path.join(root, workspace, 'package.json');
  if (!existsSync(file)) return false;
  return typeof JSON.parse(readFileSync(file, 'utf8')).scripts?.[script] === 'string';
}

// `npm start -- --post-latency 20ms±10 ...`: arguments are the backend's (src/local/main.ts); --help is only its usage.
const backendArgs = process.argv.slice(2);
const helpOnly = backendArgs.includes('--help') || backendArgs.includes('-h');
const services = [
  {
    name: 'backend',
    args: ['run', 'start', '-w', 'backend', ...(backendArgs.length > 0 ? ['--', ...backendArgs] : [])],
    tint: 36,
  },
];
/** `--auth oidc` (or LOCAL_AUTH=oidc): the web client signs in through the backend's local issuer. */
function authMode(args) {
  const inline = args.find((a) => a.startsWith('--auth='));
  const at = args.indexOf('--auth');
  return inline?.slice('--auth='.length) ?? (at >= 0 ? args[at + 1] : undefined) ?? process.env.LOCAL_AUTH;
}
// The issuer's address as src/local/main.ts derives it (LOCAL_HOST, LOCAL_OIDC_PORT); its client id is fixed.
const frontendEnv =
  authMode(backendArgs) === 'oidc'
    ? {
        VITE_AUTH_MODE: 'jwt',
        VITE_OIDC_AUTHORITY: `http://${process.env.LOCAL_HOST || '127.0.0.1'}:${process.env.LOCAL_OIDC_PORT || '3002'}`,
        VITE_OIDC_CLIENT_ID: 'chat-web-local',
      }
    : {};
if (helpOnly) {
  // Nothing else to start.
} else if (hasScript('frontend', 'dev'))
  services.push({ name: 'frontend', args: ['run', 'dev', '-w', 'frontend'], tint: 35, env: frontendEnv });
else console.log('[start] frontend/package.json has no "dev" script yet; starting the backend only');

const width = Math.max(...services.map((s) => s.name.length));
const children = new Map();
let stopping = false;
let exitCode = 0;

function prefix(service) {
  const label = `[${service.name}]`.padEnd(width + 2);
  return color ? `\x1b[${service.tint}m${label}\x1b[0m ` : `${label} `;
}

function pipe(stream, out, service) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => out.write(`${prefix(service)}${line}\n`));
}

function signal(child, sig) {
  try {
    if (isWindows) child.kill(sig);
    else process.kill(-child.pid, sig);
  } catch {
    // Already gone.
  }
}

function stopAll(sig) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) signal(child, sig);
  // A child that ignores the signal must not keep `npm start` hanging forever.
  setTimeout(() => {
    for (const child of children.values()) signal(child, 'SIGKILL');
  }, 10_000).unref();
}

for (const service of services) {
  const child = spawn(isWindows ? 'npm.cmd' : 'npm', service.args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: !isWindows,
    shell: isWindows,
    env: { ...process.env, FORCE_COLOR: color ? '1' : process.env.FORCE_COLOR, ...service.env },
  });
  children.set(service.name, child);
  pipe(child.stdout, process.stdout, service);
  pipe(child.stderr, process.stderr, service);
  child.on('error', (error) => {
    console.error(`[start] could not start ${service.name}: ${error.message}`);
    exitCode ||= 1;
    children.delete(service.name);
    stopAll('SIGTERM');
  });
  child.on('exit', (code, sig) => {
    children.delete(service.name);
    if (helpOnly) exitCode = code ?? 1;
    else if (!stopping) {
      console.error(`[start] ${service.name} exited (${sig ?? `code ${code}`}); stopping the rest`);
      exitCode = code || 1;
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) return;
    console.log(`\n[start] ${sig}: stopping ${[...children.keys()].join(' and ')}`);
    exitCode = sig === 'SIGINT' ? 130 : 143;
    stopAll(sig);
  });
}
process.on('exit', () => {
  for (const child of children.values()) signal(child, 'SIGKILL');
});
