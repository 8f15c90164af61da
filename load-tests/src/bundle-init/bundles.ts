import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageOffline } from '@chat/backend/local/offline-package';
import type { ServerlessConfig } from '@chat/backend/local/serverless-config';
import { unzipSync } from 'fflate';

/** One function's artifact as osls packaged it, unzipped where a fresh process can load it. */
export interface Bundle {
  /** serverless.yml key, e.g. "join"; osls names its artifact `<key>.zip`. */
  functionName: string;
  zipBytes: number;
  /** Where the artifact is unzipped: Lambda's LAMBDA_TASK_ROOT. */
  root: string;
  /** The handler file inside the unzipped artifact, e.g. <root>/backend/src/handlers/join.js. */
  file: string;
  exportName: string;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * `osls package` into a new temp dir, offline: no AWS credentials or config are read, as in the template tests.
 * Returns the directory holding one `<function>.zip` per function.
 */
export async function packageFunctions(stage: string): Promise<string> {
  return packageOffline(REPO_ROOT, ['--stage', stage], process.env, 'bundle-init-package-');
}

/** "backend/src/handlers/join.handler" -> the zip entry "backend/src/handlers/join.js" and the export "handler". */
export function handlerEntry(handler: string): { entry: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`handler "${handler}" is not <file>.<export>`);
  return { entry: `${handler.slice(0, dot)}.js`, exportName: handler.slice(dot + 1) };
}

/**
 * Every function serverless.yml declares, each unzipped from `<packageDir>/<function>.zip` into a directory of its
 * own under `into` (no package.json above it, so Node loads the file as CommonJS, as Lambda does). A function
 * without its zip, or a zip without its handler file, is an error: every function is measured or none.
 */
export async function unpackBundles(
  config: Pick<ServerlessConfig, 'functions'>,
  packageDir: string,
  into: string,
): Promise<Bundle[]> {
  const bundles: Bundle[] = [];
  for (const fn of config.functions.values()) {
    const zipFile = path.join(packageDir, `${fn.functionName}.zip`);
    const zip = await readFile(zipFile).catch((error: unknown) => {
      throw new Error(`${zipFile}: no artifact for function ${fn.functionName}`, { cause: error });
    });
    const { entry, exportName } = handlerEntry(fn.handler);
    const files = unzipSync(zip);
    if (files[entry] === undefined) throw new Error(`${zipFile} has no ${entry}`);
    const root = path.join(into, fn.functionName);
    for (const [name, data] of Object.entries(files)) {
      if (name.endsWith('/')) continue;
      const target = path.join(root, name);
      if (!target.startsWith(root + path.sep)) throw new Error(`${zipFile}: entry ${name} leaves its directory`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, data);
    }
    bundles.push({
      functionName: fn.functionName,
      zipBytes: (await stat(zipFile)).size,
      root,
      file: path.join(root, entry),
      exportName,
    });
  }
  return bundles;
}
