import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line the generator cannot run; the CLI prints the message and the usage, exit code 2. */
export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgsError';
  }
}

/**
 * parseArgs with no positionals and no unknown options, so a typo stops the run instead of being ignored;
 * its TypeError becomes an ArgsError, which the CLIs print with their usage.
 */
export function strictArgs<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ArgsError((error as Error).message);
  }
}

/** A whole number in [min, max]; digits only, so "1e3", "0x10" and "2.0" are refused rather than guessed at. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ArgsError(`--${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ArgsError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const PREFIX = /^[A-Za-z0-9_-]{1,20}$/;

/** A guest-name or room prefix: it goes into names and room names, so only what they allow, and short. */
export function prefixArg(name: string, raw: string | undefined, fallback: string): string {
  if (raw !== undefined && !PREFIX.test(raw)) throw new ArgsError(`--${name} must match ${PREFIX.source}`);
  return raw ?? fallback;
}

/**
 * The start every CLI here shares: its parser's options, or the exit code when there is nothing to run: 2 after
 * printing a bad argument and the usage to stderr, 0 after printing the usage for --help.
 */
export function optionsOrExit<T extends { help: boolean }>(command: string, usage: string, parse: () => T): T | number {
  let options: T;
  try {
    options = parse();
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  if (!options.help) return options;
  process.stdout.write(`${usage}\n`);
  return 0;
}
