import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hcl } from './hcl.js';
import { PROVIDERS, providerOf, type ProviderSchema, type StructSchema } from '../../../scripts/derive-provider-schema.js';

/** Each provider's schema by its local name in infra/ (google, google-beta). */
export type ProviderSchemas = Record<string, ProviderSchema>;

/** The google and google-beta providers' schemas as derived by scripts/derive-provider-schema.ts (committed). */
export async function providerSchemas(): Promise<ProviderSchemas> {
  const entries = await Promise.all(
    Object.values(PROVIDERS).map(async ({ local, file }) => [local, JSON.parse(await readFile(path.join(import.meta.dirname, '../../fixtures/terraform', file), 'utf8')) as ProviderSchema] as const),
  );
  return Object.fromEntries(entries);
}

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection']);
type Body = Record<string, unknown>;

/**
 * What Terraform's validation of the google provider would refuse, offline: every argument and
 * block of every google_* resource and data source is one the schema of its provider (google,
 * or google-beta where it says `provider = google-beta`) has; required ones are there; nothing
 * read-only is set; blocks are written as blocks; and every reference
 * `google_x.name[…].attr[…].attr` names a declared resource and a path its schema has.
 */
export function schemaProblems(h: Hcl, schemas: ProviderSchemas): string[] {
  const problems: string[] = [];
  for (const [kind, blocks] of [
    ['resource', h.resource],
    ['data', h.data],
  ] as const) {
    for (const [type, byName] of Object.entries(blocks)) {
      if (!type.startsWith('google_')) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of bodies) {
          const where = `${kind === 'data' ? 'data.' : ''}${type}.${name}`;
          const schema = schemas[providerOf(body)];
          if (!schema) {
            problems.push(`${where}: provider ${providerOf(body)} has no schema here (known: ${Object.keys(schemas).join(', ')})`);
            continue;
          }
          const struct = (kind === 'resource' ? schema.resources : schema.dataSources)[type];
          if (!struct) problems.push(`${kind} ${type}: not in the schema of provider ${providerOf(body)} ${schema.providerVersion} (a new type: run scripts/derive-provider-schema.ts again)`);
          else checkBody(where, body, struct, schema, problems, true);
        }
      }
    }
  }
  problems.push(...referenceProblems(h, schemas));
  return [...new Set(problems)];
}

function checkBody(where: string, body: Body, structName: string, schema: ProviderSchema, problems: string[], topLevel: boolean): void {
  const s = schema.structs[structName];
  if (!s) return void problems.push(`${where}: the schema has no struct ${structName}`);
  const dynamic = (body.dynamic ?? {}) as Record<string, Array<{ content?: Body[] }>>;
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && META_ARGUMENTS.has(key)) continue;
    if (key === 'dynamic') {
      for (const [blockName, defs] of Object.entries(dynamic)) {
        const block = s.blocks[blockName];
        if (!block) {
          problems.push(`${where}: dynamic "${blockName}" is not a block of ${structName.split(':')[0]}`);
          continue;
        }
        for (const def of defs) for (const content of def.content ?? []) checkBody(`${where}.${blockName}`, content, block.struct, schema, problems, false);
      }
      continue;
    }
    if (key in s.arguments) {
      if (Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) problems.push(`${where}: ${key} is an argument; it is written as a block`);
      continue;
    }
    const block = s.blocks[key];
    if (block) {
      if (!Array.isArray(value)) {
        problems.push(`${where}: ${key} is a block; it is written as an argument (${key} = …)`);
        continue;
      }
      for (const [i, b] of value.entries()) checkBody(`${where}.${key}${value.length > 1 ? `[${i}]` : ''}`, b as Body, block.struct, schema, problems, false);
      continue;
    }
    if (s.readOnly.includes(key)) problems.push(`${where}: ${key} is read-only; the provider sets it`);
    else problems.push(`${where}: ${key} is not an argument or block of ${structName.split(':')[0]} in provider ${schema.providerVersion}`);
  }
  for (const [arg, required] of Object.entries(s.arguments)) if (required && !(arg in body)) problems.push(`${where}: the required argument ${arg} is missing`);
  for (const [name, block] of Object.entries(s.blocks)) if (block.required && !(name in body) && !(name in dynamic)) problems.push(`${where}: the required block ${name} is missing`);
}

/** Strings anywhere in a parsed body. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

const REFERENCE = /(?<![\w.])(data\.)?(google_\w+)\.(\w+)((?:\[[^\]]*\])?(?:\.\w+(?:\[[^\]]*\])?)*)/g;

function referenceProblems(h: Hcl, schemas: ProviderSchemas): string[] {
  const problems: string[] = [];
  const texts = strings([h.resource, h.data, h.output, h.locals, h.variable]);
  for (const text of texts) {
    for (const m of text.matchAll(REFERENCE)) {
      const [ref, data, type, name, rest] = [m[0], m[1], m[2]!, m[3]!, m[4] ?? ''];
      const declared = (data ? h.data : h.resource)[type]?.[name];
      if (!declared) {
        problems.push(`${ref}: no ${data ? 'data source' : 'resource'} ${type}.${name} in infra/`);
        continue;
      }
      const schema = schemas[providerOf(declared[0] ?? {})];
      const root = schema && (data ? schema.dataSources : schema.resources)[type];
      if (!schema || !root) continue;
      const path = rest.replace(/\[[^\]]*\]/g, '').split('.').filter(Boolean);
      let struct: StructSchema | undefined = schema.structs[root];
      for (const segment of path) {
        if (!struct) break;
        if (segment === 'id' || segment in struct.arguments || struct.readOnly.includes(segment)) {
          struct = undefined;
          break;
        }
        const block: { struct: string } | undefined = struct.blocks[segment];
        if (!block) {
          problems.push(`${ref}: ${type} has no attribute ${segment} in provider ${schema.providerVersion}`);
          break;
        }
        struct = schema.structs[block.struct];
      }
    }
  }
  return [...new Set(problems)];
}

/** References to variables and locals that infra/ does not declare. */
export function undeclaredNames(h: Hcl): string[] {
  const texts = strings([h.resource, h.data, h.output, h.locals, h.variable]);
  const problems = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(/(?<![\w.])var\.(\w+)/g)) if (!h.variable[m[1]!]) problems.add(`var.${m[1]} is not declared`);
    for (const m of text.matchAll(/(?<![\w.])local\.(\w+)/g)) if (!(m[1]! in h.locals)) problems.add(`local.${m[1]} is not defined`);
  }
  return [...problems];
}
