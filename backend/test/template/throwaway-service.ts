import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { repoRoot } from './packaging.js';

/**
 * A copy of the service in a temp dir (serverless.yml, the plugin, backend/src; node_modules linked) with one route
 * added by following docs/ADDING-A-ROUTE.md to the letter on the copies, so the repository's sources stay
 * untouched. Each edit anchors on the text the doc tells a newcomer to find, and names the step when that text is
 * gone: then the doc and the code have drifted apart and the doc needs its update too.
 */
export async function serviceWithRoute(route: {
  /** The action and the function's key, e.g. "echo". */
  name: string;
  /** Step 1: the zod object of the client frame, and of the server frame that answers it. */
  clientFrame: string;
  serverFrame: string;
  /** Step 2: the ChatService method. */
  method: string;
  /** Step 3: the one-line handler module. */
  handler: string;
  /** Step 4: the entry under `functions:`, the one place the function is declared. */
  declaration: Record<string, unknown>;
}): Promise<{ dir: string; serverlessFile: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ws-chat-route-'));
  await cp(path.join(repoRoot, 'backend/src'), path.join(dir, 'backend/src'), { recursive: true });
  await cp(path.join(repoRoot, 'serverless'), path.join(dir, 'serverless'), { recursive: true });
  // Handlers resolve their packages (zod, the SDK) and osls its plugins from here, as in the repository.
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const src = (file: string) => path.join(dir, 'backend/src', file);

  const union = (schema: string) => `export const ${schema} = z.discriminatedUnion(`;
  await edit(src('protocol/client-frames.ts'), 'step 1 (client frame)', union('clientFrameSchema'), (text, at) =>
    addToUnion(text, at, route.clientFrame),
  );
  await edit(src('protocol/server-frames.ts'), 'step 1 (server frame)', union('serverFrameSchema'), (text, at) =>
    addToUnion(text, at, route.serverFrame),
  );
  await edit(src('domain/chat-service.ts'), 'step 2 (ChatService method)', 'export class ChatService', (text, at) => {
    const body = text.indexOf('{', at) + 1;
    return `${text.slice(0, body)}\n${route.method}\n${text.slice(body)}`;
  });
  await writeFile(src(`handlers/${route.name}.ts`), route.handler);

  const serverlessFile = path.join(dir, 'serverless.yml');
  const doc = parseDocument(await readFile(path.join(repoRoot, 'serverless.yml'), 'utf8'));
  if (doc.hasIn(['functions', route.name])) throw new Error(`serverless.yml already declares ${route.name}`);
  doc.setIn(['functions', route.name], doc.createNode(route.declaration));
  await writeFile(serverlessFile, doc.toString());
  return { dir, serverlessFile };
}

async function edit(file: string, step: string, anchor: string, change: (text: string, at: number) => string) {
  const text = await readFile(file, 'utf8');
  const at = text.indexOf(anchor);
  if (at < 0) {
    throw new Error(`docs/ADDING-A-ROUTE.md ${step}: ${path.basename(file)} no longer has "${anchor}"`);
  }
  await writeFile(file, change(text, at));
}

/** Declares `schema` (`export const <name>Frame = z.object(...)`) before the union and lists it first in it. */
function addToUnion(text: string, at: number, schema: string): string {
  const name = /export const (\w+)/.exec(schema)?.[1];
  const list = text.indexOf('[', at) + 1;
  if (name === undefined || list === 0) throw new Error(`cannot add ${schema} to the union`);
  return `${text.slice(0, at)}${schema}\n\n${text.slice(at, list)}\n  ${name},${text.slice(list)}`;
}
