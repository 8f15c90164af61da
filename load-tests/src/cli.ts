/**
 * `npm run load-test -- --url ws://... [options]`: fan-out load test. Progress and warnings go to stderr,
 * the summary to stdout, reports to --json / --html. Exit code 0 when every connection opened and every
 * expected delivery arrived, 1 when something was lost or failed (so CI notices), 2 for bad arguments.
 */
import { optionsOrExit } from './arg-values.js';
import { USAGE, parseCliArgs, scenarioWarnings } from './args.js';
import { runLoadTest } from './load-test.js';
import { formatSummary, stderrProgress } from './report/report-text.js';
import { writeHtmlReport } from './report/report-html.js';
import { writeJsonReport } from './report/report-json.js';

async function main(argv: string[]): Promise<number> {
  const options = optionsOrExit('load-test', USAGE, () => parseCliArgs(argv));
  if (typeof options === 'number') return options;
  for (const warning of scenarioWarnings(options)) process.stderr.write(`warning: ${warning}\n`);

  const progress = stderrProgress(options.quiet);
  const report = await runLoadTest(options, progress);
  progress.done();
  if (options.jsonFile) await writeJsonReport(options.jsonFile, report);
  if (options.htmlFile) await writeHtmlReport(options.htmlFile, report);
  process.stdout.write(`${formatSummary(report)}\n`);
  const lost =
    report.connections.failed > 0 || report.deliveries.missing > 0 || report.messages.sent < report.messages.planned;
  return lost ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `load-test failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
