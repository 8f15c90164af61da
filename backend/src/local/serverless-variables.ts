/**
 * The serverless.yml variable sources this project uses: ${self:...}, ${sls:stage}, ${opt:...}, ${param:...}
 * and ${aws:region}, each with an optional `, fallback`. A variable it cannot resolve throws rather than
 * guessing, so a local run never serves a config the deployment would read differently.
 * https://www.serverless.com/framework/docs/providers/aws/guide/variables
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface VariableSources {
  /** The whole parsed file, for ${self:...}. */
  raw: { [key: string]: Json };
  stage: string;
  region: string;
  /** `--param` overrides, winning over `params.<stage>` and `params.default`. */
  params: Record<string, string> | undefined;
}

export type Resolve = (node: Json) => Json;

const VARIABLE = /\$\{([^{}]+)\}/g;

/** Resolves every variable in a node (recursively, since a resolved value may hold variables itself). */
export function createResolver(sources: VariableSources): Resolve {
  const resolveOne = (expr: string): Json => resolveVariable(expr, sources);
  const resolve: Resolve = (node) => {
    if (typeof node === 'string') {
      const whole = /^\$\{([^{}]+)\}$/.exec(node);
      if (whole?.[1]) return resolve(resolveOne(whole[1]));
      const replaced = node.replace(VARIABLE, (_, expr: string) => String(resolve(resolveOne(expr))));
      // A nested variable (`${self:custom.sources.${param:authMode}}`) is whole only once its inner one is resolved.
      return replaced !== node && replaced.includes('${') ? resolve(replaced) : replaced;
    }
    if (Array.isArray(node)) return node.map(resolve);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
    return node;
  };
  return resolve;
}

function resolveVariable(expr: string, { raw, stage, region, params }: VariableSources): Json {
  const declaredParams = (raw.params ?? {}) as { [key: string]: { [key: string]: Json } };
  const opts: Record<string, string> = { stage, region };
  const [source, ...fallbackParts] = expr.split(',');
  const fallback = fallbackParts.length > 0 ? unquote(fallbackParts.join(',')) : undefined;
  const [kind, key = ''] = (source ?? '').trim().split(/:(.*)/s);
  let value: Json | undefined;
  if (kind === 'self') value = lookup(raw, key);
  else if (kind === 'sls' && key === 'stage') value = stage;
  else if (kind === 'opt') value = opts[key];
  else if (kind === 'param') value = params?.[key] ?? declaredParams[stage]?.[key] ?? declaredParams.default?.[key];
  else if (kind === 'aws' && key === 'region') value = region;
  if (value === undefined || value === null) value = fallback;
  if (value === undefined) throw new Error(`serverless.yml: cannot resolve \${${expr}} locally`);
  return value;
}

function lookup(root: Json, dotted: string): Json | undefined {
  let node: Json | undefined = root;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = node[part];
  }
  return node;
}

function unquote(value: string): string {
  const v = value.trim();
  return (v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"')) ? v.slice(1, -1) : v;
}
