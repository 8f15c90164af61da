/**
 * `npm run bundle-init -w load-tests -- [options]`: each function's packaged bundle, loaded and invoked once in a
 * fresh Node process against the local stack, several times; zipped size, import and first-invocation times.
 * Exit 1 when a bundle misses a goal, 2 for bad arguments; a handler that fails or does not answer stops the run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { optionsOrExit, strictArgs, wholeNumber } from '../arg-values.js';
import { REPO_ROOT } from './bundles.js';
import { formatReport, summarize } from './report.js';
import { BASELINE, runBundleInit } from './run.js';

export const BUNDLE_INIT_USAGE = `Usage: npm run bundle-init -w load-tests -- [options]

Packages every serverless.yml function (npx osls package, offline, into a temp dir) unless --package-dir is given,
starts the local stack, and per run loads and invokes each function's bundle once in a fresh Node process, with the
event API Gateway (or, for fanout, send) would give it for a real connection of that stack. A raw handler with no
dependencies (one node:http post) is the baseline. Writes SUMMARY.md and result.json.

  --package-dir DIR   take the <function>.zip artifacts from DIR (e.g. .serverless after npx osls package)
  --runs N            fresh processes per function (default 5)
  --timeout S         seconds a child may take to answer, and a frame to arrive (default 20)
  --out DIR           where to write (default load-tests/results/<date>-bundle-init)
  -h, --help          this text`;

function parse(argv: string[]) {
  const { values: v } = strictArgs(argv, {
    'package-dir': { type: 'string' },
    runs: { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    help: v.help === true,
    packageDir: v['package-dir'] === undefined ? undefined : path.resolve(v['package-dir']),
    runs: wholeNumber('runs', v.runs, 5, 1, 100),
    limitMs: wholeNumber('timeout', v.timeout, 20, 1, 120) * 1000,
    out: v.out,
  };
}

async function main(argv: string[]): Promise<number> {
  const parsed = optionsOrExit('bundle-init', BUNDLE_INIT_USAGE, () => parse(argv));
  if (typeof parsed === 'number') return parsed;
  const run = await runBundleInit({
    ...parsed,
    onSample: (s, i) =>
      process.stderr.write(
        `run ${i}/${parsed.runs} ${s.functionName}: import ${s.importMs.toFixed(1)} ms, first invocation ${s.invokeMs.toFixed(1)} ms\n`,
      ),
  });
  const command = ['npm run bundle-init -w load-tests', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const report = summarize(run, command);
  const out = parsed.out ?? path.join(REPO_ROOT, 'load-tests/results', `${report.date.slice(0, 10)}-bundle-init`);
  await mkdir(out, { recursive: true });
  const summary = formatReport(report);
  await writeFile(path.join(out, 'SUMMARY.md'), summary);
  await writeFile(path.join(out, 'result.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${summary}\nwritten to ${out}\n`);
  return report.bundles.every((b) => b.functionName === BASELINE || b.meetsGoals) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
