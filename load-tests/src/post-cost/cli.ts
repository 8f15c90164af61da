/**
 * `npm run post-cost -w load-tests -- [options]`: the CPU a signed PostToConnection costs its caller, the number
 * behind the simulator's --post-cpu-us and behind the local bench's CPU per recipient. Exit 1 when the sink did
 * not count every post, 2 for bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import { optionsOrExit, strictArgs, wholeNumber } from '../arg-values.js';
import { formatPostCost, runPostCost, type PostCostOptions } from './run.js';

export const POST_COST_USAGE = `Usage: npm run post-cost -w load-tests -- [options]

Posts to a counting @connections sink in a child process with the fan-out gateway (\`adapter\`: signed node:http
posts), the SDK adapter (\`sdk-adapter\`), the SDK's signer over node:http (\`signed-http\`) and a raw unsigned
node:http post (\`http\`), and reports the CPU of this process per post and the ratios to \`http\`.

  --posts N         posts per round and variant (default 5000)
  --rounds N        measured rounds per variant, alternating in an order rotated each round (default 5)
  --concurrency N   posts in flight (default 64, FANOUT_CONCURRENCY)
  --warmup N        unmeasured posts per variant first (default 2000)
  --json FILE       write the result as JSON
  -h, --help        this text`;

function parse(argv: string[]): { help: boolean; json: string | undefined; options: Omit<PostCostOptions, 'onRound'> } {
  const { values: v } = strictArgs(argv, {
    posts: { type: 'string' },
    rounds: { type: 'string' },
    concurrency: { type: 'string' },
    warmup: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    help: v.help === true,
    json: v.json,
    options: {
      posts: wholeNumber('posts', v.posts, 5_000, 1, 1_000_000),
      rounds: wholeNumber('rounds', v.rounds, 5, 1, 100),
      concurrency: wholeNumber('concurrency', v.concurrency, 64, 1, 1_000),
      warmup: wholeNumber('warmup', v.warmup, 2_000, 0, 1_000_000),
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const parsed = optionsOrExit('post-cost', POST_COST_USAGE, () => parse(argv));
  if (typeof parsed === 'number') return parsed;
  const { options, json } = parsed;
  const result = await runPostCost({
    ...options,
    onRound: (variant, i) => process.stderr.write(`round ${i + 1}/${options.rounds} ${variant}\n`),
  });
  process.stdout.write(`${formatPostCost(result)}\n`);
  if (json !== undefined) await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  const complete = result.sink.received === result.sink.expected && result.sink.signed === result.sink.expectedSigned;
  return complete ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
