import { violationsOf } from './figures.js';
import { parseSoakArgs, USAGE, UsageError } from './args.js';
import { formatReport } from './report.js';
import { runSoak, type SoakOptions } from './soak.js';

async function main(): Promise<number> {
  let options: SoakOptions | 'help';
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const result = await runSoak({ ...options, log: (line) => console.error(line) });
  console.log(formatReport(result));
  return Object.keys(violationsOf(result.analysis.figures)).length === 0 ? 0 : 1;
}

process.exitCode = await main();
