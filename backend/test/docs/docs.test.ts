import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Guards the documentation a newcomer starts from: a README short enough to read, links that resolve inside the
 * repository (anchors checked against the target's headings, as GitHub renders them), and no link to files
 * outside it, since people clone this as a starter and get only the repository.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const README_MAX_BYTES = 12_000;
/** Generated or installed folders: not documentation anyone maintains. */
const skipped = new Set([
  'node_modules',
  '.git',
  '.local-data',
  '.serverless',
  '.esbuild',
  'dist',
  'coverage',
  'reports',
  'test-results',
]);

function walk(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path, keep);
    return entry.isFile() && keep(path) ? [path] : [];
  });
}

/**
 * Every markdown file but the bench's output in load-tests/results: those summaries are records of a run, and
 * link to its stack log, which `*.log` in .gitignore keeps out of the repository.
 */
const markdownFiles = walk(
  root,
  (path) => path.endsWith('.md') && !relative(root, path).startsWith(join('load-tests', 'results')),
);

/** The text outside fenced code blocks, where a `# comment` is not a heading. */
function unfenced(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside code blocks and inline code spans, where a `[x](y)` is not a link. */
function prose(markdown: string): string {
  return unfenced(markdown).replace(/(`+)(?!`)(?:(?!\n\s*\n)[\s\S])*?(?<!`)\1(?!`)/g, '``');
}

/** Inline links and images `[text](target "title")` and reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of unfenced(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every problem with one file's relative links, as "file: target (why)". */
function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, 'utf8');
  const where = relative(root, file);
  return linkTargets(markdown).flatMap((target) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return []; // https:, mailto: ...: not a file of this repository
    const [path = '', anchor] = target.split('#', 2);
    const resolved =
      path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), decodeURI(path));
    if (!resolved.startsWith(root)) return [`${where}: ${target} (outside the repository)`];
    if (!existsSync(resolved)) return [`${where}: ${target} (no such file)`];
    if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor).toLowerCase()))
        return [`${where}: ${target} (no heading with that anchor)`];
    }
    return [];
  });
}

describe('documentation', () => {
  it('[D1] keeps README.md at most 12,000 bytes, so a newcomer reads it and follows its links to docs/', () => {
    const size = statSync(join(root, 'README.md')).size;
    expect(size, `README.md is ${size} bytes`).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('[D2] finds the files whose links it checks', () => {
    const found = markdownFiles.map((file) => relative(root, file));
    expect(found).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/PROTOCOL.md',
        'docs/ARCHITECTURE.md',
        'frontend/README.md',
        'load-tests/README.md',
        'backend/src/local/README.md',
        'backend/test/chaos/README.md',
      ]),
    );
  });

  it('[D3] resolves every relative link in every markdown file to an existing file and heading', () => {
    expect(markdownFiles.flatMap(brokenLinks)).toEqual([]);
  });

  it('[D4] points nowhere outside the repository: no ../shared, no absolute /work path, in docs or code', () => {
    const sources = walk(root, (path) => /\.(md|ts|tsx|mjs|cjs|js|ya?ml)$/.test(path));
    const leaks = sources.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const isDoc = file.endsWith('.md');
      const found = [/(^|[\s(`'"])\/work\//m, ...(isDoc ? [/\.\.\/shared\b/] : [])].filter((pattern) =>
        pattern.test(text),
      );
      return found.map((pattern) => `${relative(root, file)}: ${pattern}`);
    });
    expect(leaks).toEqual([]);
  });
});
