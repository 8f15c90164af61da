import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const OSLS = path.resolve(import.meta.dirname, '../../../node_modules/.bin/osls');

/**
 * `base` without any AWS setting, and with the SDK's credential and config files pointed at nothing: packaging must
 * work offline on a fresh clone, and must not pick up (or be slowed by looking for) a developer's credentials.
 */
export function offlineEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Runs the repository's `osls` offline (see offlineEnv) in `cwd` and returns its standard output. */
export async function oslsOffline(
  cwd: string,
  args: readonly string[],
  base: NodeJS.ProcessEnv,
  more: NodeJS.ProcessEnv = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(OSLS, [...args], {
    cwd,
    env: { ...offlineEnv(base), ...more },
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * `osls package` of the serverless.yml in `cwd` into a new temp dir named after `prefix`, offline. The bundler's
 * per-function work dirs go inside that dir (TMPDIR), so removing it removes them too (osls leaves them in /tmp).
 */
export async function packageOffline(
  cwd: string,
  args: readonly string[],
  base: NodeJS.ProcessEnv,
  prefix: string,
): Promise<string> {
  const outDir = await mkdtemp(path.join(tmpdir(), prefix));
  const work = path.join(outDir, 'tmp');
  await mkdir(work);
  await oslsOffline(cwd, ['package', ...args, '--package', outDir], base, { TMPDIR: work });
  return outDir;
}
