import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * What `npm run deploy` uploads to the web bucket: the client build and /config.json, which tells the one build
 * where this stage's API is and how to sign in (so a build is not tied to a stage).
 */
export interface WebObject {
  key: string;
  /** Absent for generated content (config.json). */
  file?: string;
  body?: string;
  contentType: string;
  cacheControl: string;
}

/** The stack outputs the web client needs (serverless.yml `Outputs`). */
export interface StackOutputs {
  WebSocketUrl: string;
  WebBucketName: string;
  WebDistributionId: string;
  WebUrl: string;
  CognitoIssuer?: string;
  CognitoClientId?: string;
  CognitoDomain?: string;
}

/** /config.json: read by the client at load time. */
export interface WebConfig {
  wsUrl: string;
  authMode: 'guest' | 'jwt';
  oidc?: { authority: string; clientId: string; domain: string };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite puts content-hashed files under assets/: they never change, so browsers may keep them. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, config.json) is revalidated, so a deploy is seen on the next load. */
const REVALIDATE = 'no-cache';

export function configFor(outputs: StackOutputs, authMode: 'guest' | 'jwt' | 'cognito'): WebConfig {
  if (authMode !== 'cognito') return { wsUrl: outputs.WebSocketUrl, authMode };
  const { CognitoIssuer, CognitoClientId, CognitoDomain } = outputs;
  if (!CognitoIssuer || !CognitoClientId || !CognitoDomain)
    throw new Error('authMode=cognito but the stack has no Cognito outputs (deployed with another authMode?)');
  return {
    wsUrl: outputs.WebSocketUrl,
    authMode: 'jwt',
    oidc: { authority: CognitoIssuer, clientId: CognitoClientId, domain: CognitoDomain },
  };
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), relative)));
    else out.push(relative);
  }
  return out.sort();
}

/** Every file of the build, then config.json (a build's own config.json, the local one, is replaced). */
export async function planUpload(distDir: string, config: WebConfig): Promise<WebObject[]> {
  const objects: WebObject[] = (await filesUnder(distDir))
    .filter((key) => key !== 'config.json')
    .map((key) => ({
      key,
      file: path.join(distDir, key),
      contentType: TYPES[path.extname(key)] ?? 'application/octet-stream',
      cacheControl: key.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    }));
  objects.push({
    key: 'config.json',
    body: `${JSON.stringify(config, null, 2)}\n`,
    contentType: TYPES['.json']!,
    cacheControl: REVALIDATE,
  });
  return objects;
}

/**
 * Objects of an earlier deploy to delete: anything the new build does not have, except hashed assets, which a page
 * loaded before the deploy may still ask for.
 */
export function staleKeys(existing: readonly string[], uploaded: readonly WebObject[]): string[] {
  const keep = new Set(uploaded.map((o) => o.key));
  return existing.filter((key) => !keep.has(key) && !key.startsWith('assets/'));
}

/** `--stage x`, `--stage=x`, `-s x` (and region alike), as osls reads them; serverless.yml's defaults otherwise. */
export function stageAndRegion(argv: readonly string[]): { stage: string; region: string } {
  const value = (long: string, short: string): string | undefined => {
    for (let i = 0; i < argv.length; i += 1) {
      const arg = argv[i]!;
      if (arg === long || arg === short) return argv[i + 1];
      if (arg.startsWith(`${long}=`)) return arg.slice(long.length + 1);
    }
    return undefined;
  };
  return { stage: value('--stage', '-s') ?? 'dev', region: value('--region', '-r') ?? 'us-east-1' };
}

/** The authMode param a deploy passes (`--param="authMode=x"` or `--param authMode=x`), else serverless.yml's guest. */
export function authModeOf(argv: readonly string[]): 'guest' | 'jwt' | 'cognito' {
  let mode = 'guest';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const param = arg.startsWith('--param=') ? arg.slice(8) : arg === '--param' ? argv[i + 1] : undefined;
    const match = param === undefined ? null : /^authMode=(.*)$/.exec(param);
    if (match) mode = match[1]!;
  }
  if (mode !== 'guest' && mode !== 'jwt' && mode !== 'cognito') throw new Error(`unknown authMode "${mode}"`);
  return mode;
}
