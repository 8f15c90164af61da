import { readFileSync } from 'node:fs';
import { ArgsError } from '../arg-values.js';

/** Three base64url parts (header.payload.signature): what API Gateway's JWT authorizers accept. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Reads `--tokens FILE`: one JWT per line, each a simulated user; blank lines and surrounding whitespace
 * (CRLF files) are ignored. A file that cannot be read, holds no token or has a line that is not a JWT is an
 * ArgsError (exit 2); the message names the line, never the token, since tokens are credentials.
 */
export function readTokensFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArgsError(
      `--tokens: cannot read "${file}"${code === 'ENOENT' ? ' (no such file)' : code ? ` (${code})` : ''}`,
    );
  }
  const tokens: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (!JWT_SHAPE.test(line))
      throw new ArgsError(`--tokens: line ${index + 1} of "${file}" is not a JWT (header.payload.signature)`);
    tokens.push(line);
  });
  if (tokens.length === 0) throw new ArgsError(`--tokens: "${file}" holds no token (one JWT per line)`);
  return tokens;
}

/** Connection `index` uses token `index mod n`: more connections than tokens reuse them round-robin. */
export function tokenFor(tokens: readonly string[] | undefined, index: number): string | undefined {
  return tokens === undefined || tokens.length === 0 ? undefined : tokens[index % tokens.length];
}

/** `--token JWT` or `--tokens FILE`, not both: the tokens to connect with, or undefined for guest mode. */
export function tokensFromArgs(token: string | undefined, tokensFile: string | undefined): string[] | undefined {
  if (token !== undefined && token.trim() === '') throw new ArgsError('--token must not be empty');
  if (token !== undefined && tokensFile !== undefined)
    throw new ArgsError('--token and --tokens contradict each other: give one');
  return tokensFile !== undefined ? readTokensFile(tokensFile) : token !== undefined ? [token] : undefined;
}
