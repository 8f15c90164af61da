import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { zipSync } from 'fflate';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '@chat/backend/local/serverless-config';
import { unpackBundles } from '../../src/bundle-init/bundles.js';
import { coldStart, type ColdStartJob } from '../../src/bundle-init/cold-start.js';
import { formatReport, summarize } from '../../src/bundle-init/report.js';
import { BASELINE, runBundleInit } from '../../src/bundle-init/run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bundle-init-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A one-file CommonJS handler in the temp dir. */
async function handlerFile(name: string, source: string): Promise<string> {
  const file = path.join(dir, `${name}.js`);
  await writeFile(file, source);
  return file;
}

const job = (file: string, limitMs = 10_000): ColdStartJob => ({
  file,
  exportName: 'handler',
  event: { n: 41 },
  context: { timeoutMs: 1_000 },
  env: { GREETING: 'hi' },
  limitMs,
});

describe('coldStart', () => {
  it("returns the handler's answer from a fresh process that got only the given environment and the event", async () => {
    const file = await handlerFile(
      'answers',
      'exports.handler = async (event, context) => ({ statusCode: 200, n: event.n + 1, env: Object.keys(process.env).sort(), left: context.getRemainingTimeInMillis() > 0 });',
    );
    const cold = await coldStart(job(file));
    expect(cold.result).toEqual({ statusCode: 200, n: 42, env: ['GREETING'], left: true });
    expect(cold.importMs).toBeGreaterThan(0);
    expect(cold.invokeMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects with the handler error, and kills a handler that never answers at the limit', async () => {
    const throws = await handlerFile('throws', 'exports.handler = async () => { throw new Error("store down"); };');
    await expect(coldStart(job(throws))).rejects.toThrow(/store down/);
    const hangs = await handlerFile('hangs', 'exports.handler = () => new Promise(() => setInterval(() => {}, 1000));');
    await expect(coldStart(job(hangs, 500))).rejects.toThrow(/no answer within 500 ms/);
    const missing = await handlerFile('missing', 'exports.other = async () => ({});');
    await expect(coldStart(job(missing))).rejects.toThrow(/does not export a function named "handler"/);
  });
});

describe('unpackBundles', () => {
  it("unzips each function's artifact and refuses a function without one", async () => {
    const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE);
    const packageDir = await mkdtemp(path.join(dir, 'package-'));
    const names = [...config.functions.keys()];
    for (const name of names.slice(1)) {
      const zip = zipSync({ [`backend/src/handlers/${name}.js`]: new TextEncoder().encode(`exports.handler = 1;`) });
      await writeFile(path.join(packageDir, `${name}.zip`), zip);
    }
    await expect(unpackBundles(config, packageDir, path.join(dir, 'out'))).rejects.toThrow(
      new RegExp(`no artifact for function ${names[0]}`),
    );
    const rest = new Map([...config.functions].slice(1));
    const bundles = await unpackBundles({ functions: rest }, packageDir, path.join(dir, 'out'));
    expect(bundles.map((b) => b.functionName)).toEqual(names.slice(1));
    expect(await readFile(bundles[0]!.file, 'utf8')).toBe('exports.handler = 1;');
  });
});

describe('npm run bundle-init (packaged bundles against the local stack)', () => {
  it('runs every declared function once in a fresh process, each answering its event as expected', async () => {
    const declared = Object.keys(parse(await readFile(DEFAULT_SERVERLESS_FILE, 'utf8')).functions);
    const run = await runBundleInit({ runs: 1, limitMs: 30_000 });

    expect(run.samples).toHaveLength(1);
    expect(run.samples[0]!.map((s) => s.functionName).sort()).toEqual([BASELINE, ...declared].sort());
    expect(run.bundles.map((b) => b.functionName).sort()).toEqual([...declared].sort());
    for (const bundle of run.bundles) expect(bundle.zipBytes, bundle.functionName).toBeGreaterThan(0);
    const report = summarize(run, 'test');
    expect(report.bundles.map((b) => b.functionName)).toEqual(run.samples[0]!.map((s) => s.functionName));
    expect(formatReport(report)).toContain('| join |');
  }, 300_000);
});
