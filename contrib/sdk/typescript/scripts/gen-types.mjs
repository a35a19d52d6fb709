#!/usr/bin/env node
// gen-types.mjs - writes src/generated/api.ts from docs/openapi.yaml: the request and
// response types of the SDK's operations, their routes, and the webhook event bodies.
//
//   node scripts/gen-types.mjs [--spec PATH] [--out PATH]   (re)write the file
//   node scripts/gen-types.mjs --check [--spec PATH]        exit 1 when the committed
//                                                           file differs from what the
//                                                           contract gives now
//
// Only the schemas the SDK's operations and the webhooks reach are emitted. A schema
// keyword that changes a type and that this generator does not know stops it, so the
// contract cannot grow a construct the SDK's types silently ignore.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');

// The operations the SDK calls, by operationId, with the SDK's name for each.
const SDK_OPERATIONS = [
  'getCreditLine',
  'getPositionDetails',
  'borrow',
  'repay',
  'creditDeposit',
  'getLoan',
  'getUserLoans',
  'getPartnerStats',
  'getPartnerTransactions',
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
// Keywords that only annotate or constrain values; they do not change a TypeScript type.
const ANNOTATIONS = new Set([
  'description', 'summary', 'title', 'examples', 'example', 'pattern', 'format', 'minimum',
  'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems',
  'maxItems', 'maxProperties', 'minProperties', 'default', 'deprecated', 'readOnly',
  'writeOnly', 'uniqueItems', 'multipleOf',
]);
const STRUCTURAL = new Set([
  '$ref', 'type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', 'properties', 'required',
  'additionalProperties', 'items',
]);

function args(argv) {
  const out = { check: false, spec: resolve(pkg, '../../../docs/openapi.yaml'),
    out: join(pkg, 'src/generated/api.ts') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') out.check = true;
    else if (argv[i] === '--spec') out.spec = resolve(argv[++i]);
    else if (argv[i] === '--out') out.out = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return out;
}

const refName = (ref) => {
  const m = /^#\/components\/schemas\/([A-Za-z0-9_]+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}`);
  return m[1];
};

function deref(doc, node) {
  const seen = new Set();
  while (node && typeof node.$ref === 'string' && !node.$ref.startsWith('#/components/schemas/')) {
    if (seen.has(node.$ref)) throw new Error(`circular $ref ${node.$ref}`);
    seen.add(node.$ref);
    let target = doc;
    for (const key of node.$ref.slice(2).split('/')) target = target?.[key.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target === undefined) throw new Error(`$ref ${node.$ref} points nowhere`);
    node = target;
  }
  return node;
}

function checkKeywords(schema, where) {
  for (const k of Object.keys(schema)) {
    if (!STRUCTURAL.has(k) && !ANNOTATIONS.has(k)) {
      throw new Error(`${where}: schema keyword "${k}" is not supported by gen-types.mjs`);
    }
  }
}

// ---------------------------------------------------------------- rendering

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propName = (n) => (IDENT.test(n) ? n : JSON.stringify(n));

function doc(text, indent) {
  if (!text) return '';
  const lines = String(text).trim().replace(/\*\//g, '*\\/').split('\n');
  // Folded YAML text comes as one long line: wrap it near 90 columns.
  const wrapped = [];
  for (const line of lines) {
    let rest = line.trimEnd();
    while (rest.length > 90) {
      let cut = rest.lastIndexOf(' ', 90);
      if (cut <= 0) break;
      wrapped.push(rest.slice(0, cut));
      rest = rest.slice(cut + 1);
    }
    wrapped.push(rest);
  }
  if (wrapped.length === 1) return `${indent}/** ${wrapped[0]} */\n`;
  return `${indent}/**\n${wrapped.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

const literal = (v) => JSON.stringify(v);
const paren = (t) => (/[|&]/.test(t) && !/^\{[\s\S]*\}$/.test(t) ? `(${t})` : t);
const union = (types) => {
  const uniq = [...new Set(types)];
  return uniq.length ? uniq.join(' | ') : 'never';
};

class Renderer {
  constructor(spec) {
    this.spec = spec;
    this.schemas = spec.components?.schemas ?? {};
    this.used = new Set();
  }

  ref(name) {
    if (!(name in this.schemas)) throw new Error(`schema ${name} is missing`);
    if (!this.used.has(name)) {
      this.used.add(name);
      this.type(this.schemas[name], 0, `#/components/schemas/${name}`); // reach its refs
    }
    return name;
  }

  isObject(s) {
    return s.type === 'object' || (s.properties && !s.type);
  }

  // A TypeScript type for schema s; indent is the nesting depth of inline objects.
  type(s, depth, where) {
    if (s === true || s === undefined) return 'unknown';
    if (s === false) return 'never';
    checkKeywords(s, where);
    if (s.$ref) return this.ref(refName(s.$ref));
    if ('const' in s) return literal(s.const);
    if (s.enum) return union(s.enum.map(literal));
    if (s.oneOf || s.anyOf) {
      const alts = s.oneOf ?? s.anyOf;
      return union(alts.map((a, i) => paren(this.type(a, depth, `${where}/${s.oneOf ? 'oneOf' : 'anyOf'}/${i}`))));
    }
    if (s.allOf) {
      const parts = s.allOf
        .map((p, i) => ({ p, w: `${where}/allOf/${i}` }))
        .filter(({ p }) => !this.annotationOnly(p))
        .map(({ p, w }) => paren(this.type(p, depth, w)));
      const own = { ...s };
      delete own.allOf;
      if (own.properties || own.type) parts.push(this.type(own, depth, where));
      return parts.length ? [...new Set(parts)].join(' & ') : 'unknown';
    }
    if (Array.isArray(s.type)) {
      return union(s.type.map((t) => paren(this.type({ ...s, type: t }, depth, where))));
    }
    switch (s.type) {
      case 'null': return 'null';
      case 'string': return 'string';
      case 'integer':
      case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'array': return `Array<${this.type(s.items, depth, `${where}/items`)}>`;
      case 'object':
      case undefined:
        if (s.properties || s.additionalProperties !== undefined || s.type === 'object') {
          return this.object(s, depth, where);
        }
        return 'unknown';
      default:
        throw new Error(`${where}: unsupported type ${s.type}`);
    }
  }

  annotationOnly(s) {
    return s && typeof s === 'object' && Object.keys(s).every((k) => ANNOTATIONS.has(k));
  }

  object(s, depth, where) {
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    const pad = '  '.repeat(depth + 1);
    const lines = [];
    for (const [name, p] of Object.entries(props)) {
      const d = p && typeof p === 'object' ? p.description ?? this.refDescription(p) : '';
      lines.push(`${doc(d, pad)}${pad}${propName(name)}${required.has(name) ? '' : '?'}: ${this.type(p, depth + 1, `${where}/properties/${name}`)};`);
    }
    const extra = s.additionalProperties;
    if (extra === true || (extra && typeof extra === 'object') ||
        (s.type === 'object' && !s.properties && extra === undefined)) {
      lines.push(`${pad}[key: string]: unknown;`);
    }
    if (!lines.length) return 'Record<string, never>';
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }

  // An allOf: [$ref] property takes its own description; a bare $ref has none here.
  refDescription(p) {
    return p.allOf?.find?.((x) => x.description)?.description ?? '';
  }

  // The declaration of a named schema.
  declaration(name) {
    const s = this.schemas[name];
    const where = `#/components/schemas/${name}`;
    const head = doc(s.description, '');
    if (this.isObject(s) && !s.allOf && !s.oneOf && !s.anyOf && !Array.isArray(s.type)) {
      return `${head}export interface ${name} ${this.object(s, 0, where)}\n`;
    }
    return `${head}export type ${name} = ${this.type(s, 0, where)};\n`;
  }
}

// --------------------------------------------------------------- operations

function collectOperations(spec) {
  const found = new Map();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (op?.operationId) found.set(op.operationId, { path, method, op, item });
    }
  }
  return found;
}

function generate(spec, specLabel) {
  const r = new Renderer(spec);
  const ops = collectOperations(spec);
  const routes = [];
  const pathParams = [];
  const queries = [];
  const bodies = [];
  const responses = [];
  for (const id of SDK_OPERATIONS) {
    const found = ops.get(id);
    if (!found) throw new Error(`operation ${id} is not in the contract`);
    const { path, method, op, item } = found;
    const where = `#/paths/${path}/${method}`;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(spec, p));
    const inPath = params.filter((p) => p.in === 'path');
    const inQuery = params.filter((p) => p.in === 'query');
    const security = op.security ?? spec.security ?? [];
    const auth = security.some((req) => Object.keys(req).length > 0);
    routes.push(`  ${id}: { method: ${literal(method.toUpperCase())}, path: ${literal(path)}, auth: ${auth} },`);
    const field = (p, depth) =>
      `${doc(p.description, '    ')}    ${propName(p.name)}${p.required ? '' : '?'}: ${r.type(p.schema, depth, `${where}/parameters/${p.name}`)};`;
    pathParams.push(inPath.length
      ? `  ${id}: {\n${inPath.map((p) => field(p, 2)).join('\n')}\n  };`
      : `  ${id}: Record<string, never>;`);
    queries.push(inQuery.length
      ? `  ${id}: {\n${inQuery.map((p) => field(p, 2)).join('\n')}\n  };`
      : `  ${id}: Record<string, never>;`);
    const body = op.requestBody ? deref(spec, op.requestBody) : null;
    const bodySchema = body?.content?.['application/json']?.schema;
    bodies.push(`  ${id}: ${bodySchema ? r.type(bodySchema, 1, `${where}/requestBody`) : 'undefined'};`);
    const statuses = [];
    for (const [code, resp0] of Object.entries(op.responses ?? {})) {
      const resp = deref(spec, resp0);
      const schema = resp.content?.['application/json']?.schema;
      statuses.push(`    ${code}: ${schema ? r.type(schema, 2, `${where}/responses/${code}`) : 'undefined'};`);
    }
    responses.push(`  ${id}: {\n${statuses.join('\n')}\n  };`);
  }

  const events = [];
  for (const [name, item] of Object.entries(spec.webhooks ?? {})) {
    const op = item.post;
    const schema = op?.requestBody && deref(spec, op.requestBody).content?.['application/json']?.schema;
    if (!schema) throw new Error(`webhook ${name} has no JSON body`);
    const typeName = `${op.operationId[0].toUpperCase()}${op.operationId.slice(1)}Event`;
    events.push({ name, typeName, op, type: r.type(schema, 0, `#/webhooks/${name}`) });
  }

  // Declarations in the contract's own order.
  const decls = Object.keys(r.schemas).filter((n) => r.used.has(n)).map((n) => r.declaration(n));
  const out = [];
  out.push(`// Generated from ${specLabel} by scripts/gen-types.mjs; do not edit.`);
  out.push('// `npm run generate` rewrites it, `npm run check:types` fails when it differs from');
  out.push('// what the contract gives now.');
  out.push('/* eslint-disable */');
  out.push('');
  out.push(`/** The version of the API contract (\`info.version\`) these types come from. */`);
  out.push(`export const API_VERSION = ${literal(String(spec.info?.version ?? ''))};`);
  out.push('');
  out.push(decls.join('\n'));
  out.push('/** The route of each operation the SDK calls; `auth` says whether it takes the API key. */');
  out.push('export const operations = {');
  out.push(...routes);
  out.push('} as const;');
  out.push('');
  out.push('/** The operations the SDK calls, by their operationId in the contract. */');
  out.push('export type OperationId = keyof typeof operations;');
  out.push('');
  out.push('/** The path parameters of each operation. */');
  out.push('export interface OperationPathParams {');
  out.push(...pathParams);
  out.push('}');
  out.push('');
  out.push('/** The query parameters of each operation. */');
  out.push('export interface OperationQuery {');
  out.push(...queries);
  out.push('}');
  out.push('');
  out.push('/** The JSON request body of each operation (undefined: it takes none). */');
  out.push('export interface OperationRequestBody {');
  out.push(...bodies);
  out.push('}');
  out.push('');
  out.push('/** The JSON body of each answer of each operation, by HTTP status. */');
  out.push('export interface OperationResponses {');
  out.push(...responses);
  out.push('}');
  out.push('');
  for (const e of events) {
    out.push(doc(`The body of a \`${e.name}\` delivery. ${e.op.description ?? ''}`, '').trimEnd());
    out.push(`export type ${e.typeName} = ${e.type};`);
    out.push('');
  }
  out.push('/** Every webhook event body, by event type. */');
  out.push('export interface WebhookEventMap {');
  for (const e of events) out.push(`  ${literal(e.name)}: ${e.typeName};`);
  out.push('}');
  out.push('');
  out.push('/** Any webhook event body; narrow it on `type`. */');
  out.push('export type WebhookEvent = WebhookEventMap[keyof WebhookEventMap];');
  out.push('');
  return out.join('\n');
}

function firstDifference(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return `line ${i + 1}:\n  committed: ${x[i] ?? '(end of file)'}\n  contract:  ${y[i] ?? '(end of file)'}`;
    }
  }
  return '';
}

function main() {
  const a = args(process.argv.slice(2));
  const spec = parse(readFileSync(a.spec, 'utf8'));
  const text = generate(spec, 'docs/openapi.yaml');
  const shown = relative(process.cwd(), a.out) || a.out;
  if (a.check) {
    let have = '';
    try {
      have = readFileSync(a.out, 'utf8');
    } catch {
      have = '';
    }
    if (have !== text) {
      console.error(`gen-types: ${shown} differs from what ${a.spec} gives; run npm run generate\n${firstDifference(have, text)}`);
      process.exit(1);
    }
    console.log(`gen-types: ${shown} matches ${a.spec}`);
    return;
  }
  writeFileSync(a.out, text);
  console.log(`gen-types: wrote ${shown}`);
}

try {
  main();
} catch (e) {
  console.error(`gen-types: ${e.message}`);
  process.exit(2);
}
