import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';

export const root = path.resolve(import.meta.dirname, '../../..');
export const infra = path.join(root, 'infra');

export type Block = Record<string, unknown>;
type Blocks = Record<string, Block[]>;
export interface Hcl {
  resource: Record<string, Blocks>;
  data: Record<string, Blocks>;
  variable: Blocks;
  output: Blocks;
  locals: Record<string, unknown>;
}

/** infra/*.tf merged as @cdktf/hcl2json reads them (expressions stay `${…}` strings). */
export async function hcl(): Promise<Hcl> {
  const files = (await readdir(infra)).filter((f) => f.endsWith('.tf')).sort();
  const merged: Hcl = { resource: {}, data: {}, variable: {}, output: {}, locals: {} };
  for (const f of files) {
    const json = (await parseHcl(f, await readFile(path.join(infra, f), 'utf8'))) as Partial<Omit<Hcl, 'locals'>> & { locals?: Array<Record<string, unknown>> };
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, blocks] of Object.entries(json[kind] ?? {})) merged[kind][type] = { ...merged[kind][type], ...blocks };
    }
    Object.assign(merged.variable, json.variable ?? {});
    Object.assign(merged.output, json.output ?? {});
    for (const l of json.locals ?? []) Object.assign(merged.locals, l);
  }
  return merged;
}

/** The one block of resource (or data source) `type.name`; fails naming it when absent. */
export function block(blocks: Record<string, Blocks>, type: string, name: string): Block {
  const b = blocks[type]?.[name]?.[0];
  if (!b) throw new Error(`infra/ declares no ${type}.${name}`);
  return b;
}

export async function topologyVars(): Promise<{
  topics: string[];
  dead_letter_topic: string;
  functions: string[];
  job_launchers: string[];
  push_subscriptions: Record<string, { topic: string; function: string }>;
}> {
  return JSON.parse(await readFile(path.join(infra, 'topology.auto.tfvars.json'), 'utf8')).topology;
}

type Value = string | Record<string, string>;
/** One instance of a resource: what `each.key` and `each.value` are for it. */
interface Instance {
  key: string;
  value: Value;
}

/**
 * The instances a `for_each` creates, for the few forms infra/ uses; any other form throws, so
 * a check never passes over a grant it could not read.
 */
export function instances(resource: Block, where: string, locals: Record<string, unknown>, topology: Awaited<ReturnType<typeof topologyVars>>): Instance[] {
  const forEach = resource.for_each as string | undefined;
  if (forEach === undefined) return [{ key: '', value: '' }];
  const literalSet = /^\$\{toset\((\[[^\]]*\])\)\}$/.exec(forEach);
  if (literalSet) return (JSON.parse(literalSet[1]!) as string[]).map((v) => ({ key: v, value: v }));
  const topologyList = /^\$\{toset\(var\.topology\.(\w+)\)\}$/.exec(forEach);
  if (topologyList) return (topology[topologyList[1] as 'functions'] as string[]).map((v) => ({ key: v, value: v }));
  const topologyMap = /^\$\{var\.topology\.(\w+)\}$/.exec(forEach);
  if (topologyMap) {
    return Object.entries(topology[topologyMap[1] as 'push_subscriptions']).map(([key, value]) => ({ key, value: value as unknown as Record<string, string> }));
  }
  // A list local that depends on variables (local.invoked_services): one symbolic instance.
  const localSet = /^\$\{toset\(local\.(\w+)\)\}$/.exec(forEach);
  if (localSet) return [{ key: `local.${localSet[1]}`, value: `local.${localSet[1]}` }];
  // An optional part (infra/ui.tf): `toset(var.on && … ? LIST : [])` is read as switched on,
  // so its grants are checked as they would be made.
  const optional = /^\$\{toset\(var\.\w+(?: && var\.\w+)* \? (local|var)\.(\w+) : \[\]\)\}$/.exec(forEach);
  if (optional) {
    if (optional[1] === 'var') return [{ key: `var.${optional[2]}`, value: `var.${optional[2]}` }];
    return localList(locals[optional[2]!], locals, `${where}: local.${optional[2]}`).map((v) => ({ key: v, value: v }));
  }
  // Principals given by a list variable (var.operators): one symbolic instance stands for all.
  const principals = /^\$\{toset\(var\.(\w+)\)\}$/.exec(forEach);
  if (principals) return [{ key: `var.${principals[1]}`, value: `var.${principals[1]}` }];
  // Each principal of a list variable on each topic of a local list.
  const product = /^\$\{\{ ?for pair in setproduct\(var\.(\w+), local\.(\w+)\) : "\$\{pair\[0\]\}\/\$\{pair\[1\]\}" => \{ ?member = pair\[0\], topic = pair\[1\] ?\} ?\}\}$/.exec(forEach);
  if (product) {
    const member = `var.${product[1]}`;
    return localList(locals[product[2]!], locals, `${where}: local.${product[2]}`).map((topic) => ({ key: `${member}/${topic}`, value: { member, topic } }));
  }
  // The function publishers: one instance per (function, topic) pair of a map of lists.
  const pairs = /^\$\{\{ ?for pair in flatten\(\[for (\w+), (\w+) in local\.(\w+) : \[for (\w+) in \2 : \{ ?fn = \1, topic = \4 ?\}\]\]\) : "\$\{pair\.fn\}\/\$\{pair\.topic\}" => pair ?\}\}$/.exec(forEach);
  if (pairs) {
    const map = locals[pairs[3]!] as Record<string, unknown> | undefined;
    if (!map) throw new Error(`${where}: for_each reads local.${pairs[3]}, which infra/ does not define`);
    return Object.entries(map).flatMap(([fn, topics]) =>
      localList(topics, locals, `${where}: local.${pairs[3]}.${fn}`).map((topic) => ({ key: `${fn}/${topic}`, value: { fn, topic } })),
    );
  }
  throw new Error(`${where}: cannot read for_each = ${forEach}; teach test/unit/infra/hcl.ts this form`);
}

/** A list of strings, written out or as `${local.name}`. */
function localList(value: unknown, locals: Record<string, unknown>, where: string): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  const ref = typeof value === 'string' ? /^\$\{local\.(\w+)\}$/.exec(value) : null;
  if (ref) return localList(locals[ref[1]!], locals, `${where} (local.${ref[1]})`);
  throw new Error(`${where}: cannot read ${JSON.stringify(value)} as a list of strings`);
}

/** Evaluates an index expression (`"x"`, `each.value`, `each.value.fn`, `each.key`, `var.topology.x`) for an instance. */
function index(expr: string, at: Instance, where: string, topology: Awaited<ReturnType<typeof topologyVars>>): string {
  const literal = /^"([^"]*)"$/.exec(expr);
  if (literal) return literal[1]!;
  if (expr === 'each.key') return at.key;
  if (expr === 'each.value' && typeof at.value === 'string') return at.value;
  const field = /^each\.value\.(\w+)$/.exec(expr);
  if (field && typeof at.value === 'object' && at.value[field[1]!] !== undefined) return at.value[field[1]!]!;
  const variable = /^var\.topology\.(\w+)$/.exec(expr);
  if (variable && typeof topology[variable[1] as 'dead_letter_topic'] === 'string') return topology[variable[1] as 'dead_letter_topic'];
  throw new Error(`${where}: cannot evaluate ${expr}`);
}

/**
 * Resolves a reference to one of infra's resources, `${TYPE.NAME[IDX].ATTR}` or
 * `${TYPE.NAME.ATTR}`, to `NAME` or `NAME[idx]`; a `serviceAccount:` prefix is kept off. Other
 * expressions (`${local.pubsub_agent}`) come back as `local.pubsub_agent`; literals as themselves.
 */
export function reference(
  expr: string,
  type: string,
  at: Instance,
  where: string,
  topology: Awaited<ReturnType<typeof topologyVars>>,
): string {
  const body = expr.replace(/^serviceAccount:/, '');
  const ref = new RegExp(`^\\$\\{${type}\\.(\\w+)(?:\\[([^\\]]+)\\])?(?:\\.\\w+(?:\\[\\d+\\])?)+\\}$`).exec(body);
  // `[0]` of a resource with `count` (an optional part, read as switched on) names the resource itself.
  if (ref) return ref[2] && !/^\d+$/.test(ref[2]) ? `${ref[1]}[${index(ref[2], at, where, topology)}]` : ref[1]!;
  const other = /^\$\{([\w.]+)\}$/.exec(body);
  if (other) return other[1]!;
  if (body.includes('${')) throw new Error(`${where}: cannot evaluate ${expr}`);
  return body;
}

export interface Grant {
  resource: string;
  role: string;
  /** google_service_account NAME or NAME[key], `local.x`, or a literal principal. */
  member: string;
  /** The thing granted on (a topic name, a function, a service account …); '' at project level. */
  on: string;
}

/** Every grant of the IAM resources of `types`, one per instance and member. */
export function grants(
  h: Hcl,
  types: Record<string, string | undefined>,
  topology: Awaited<ReturnType<typeof topologyVars>>,
): Grant[] {
  const out: Grant[] = [];
  for (const [type, onAttribute] of Object.entries(types)) {
    for (const [name, blocks] of Object.entries(h.resource[type] ?? {})) {
      const r = blocks[0]!;
      const where = `${type}.${name}`;
      for (const at of instances(r, where, h.locals, topology)) {
        const members = (r.members as string[] | undefined) ?? [r.member as string];
        const onExpr = onAttribute ? (r[onAttribute] as string) : '';
        // A target outside infra's resources (an account given by a variable) stays as written.
        const on = !onExpr ? '' : onTarget(onExpr) ? reference(onExpr, onTarget(onExpr), at, where, topology) : onExpr;
        for (const m of members) {
          const roleExpr = /^\$\{(each\.[\w.]+)\}$/.exec(r.role as string);
          const role = roleExpr ? index(roleExpr[1]!, at, where, topology) : (r.role as string);
          const memberExpr = /^\$\{(each\.[\w.]+)\}$/.exec(m);
          const member = memberExpr ? index(memberExpr[1]!, at, where, topology) : reference(m, 'google_service_account', at, where, topology);
          out.push({ resource: `${where}${r.for_each ? `["${at.key}"]` : ''}`, role, member, on });
        }
      }
    }
  }
  return out;
}

function onTarget(expr: string): string {
  const t = /^\$\{(\w+)\./.exec(expr);
  return t ? t[1]! : '';
}
