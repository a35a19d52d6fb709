#!/usr/bin/env node
// validate.mjs - the test harness' contract check: holds recorded HTTP exchanges to
// docs/openapi.yaml.
//
//   node contrib/openapi/validate.mjs SPEC EXCHANGES.jsonl
//
// Each line of EXCHANGES.jsonl is one exchange the shell harness recorded:
//   {"method":"POST","path":"/partners/borrow?x=1","status":201,
//    "requestBody":<parsed JSON or null>,"responseBody":<parsed JSON or null>,
//    "responseHeaders":{"x-request-id":"…",…},"test":"http_pipeline.sh"}
//
// An exchange fails when its route or method is not in the spec, when its status is not
// declared for the operation (a `default` response does not count), when a 2xx
// exchange's JSON request body, path or query parameters do not match the operation
// (4xx exchanges are deliberately bad input, so their requests are not checked), when
// the response body does not match the schema declared for the status, or when a
// required response header is missing or a declared header does not match its schema.
// HEAD is checked as GET without a body. Requests that match no operation are held to
// the spec's `x-lendgate-unrouted` responses (404 for an unknown path, 405 for a method
// a path does not take, 413 for a body over the limit).
//
// Prints one `FAIL <test> <METHOD> <path> <status>: <what>` line per failure, then
// `contract: N exchanges, M routes/status pairs covered, K failures` and, for
// information, the declared operation/status pairs no exchange covered.
// Exit status: 0 no failure, 1 failures, 2 usage or set-up error.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { METHODS, coerce, deref, esc, matcher, pointerGet } from './spec.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SPEC_ID = 'urn:lendgate:openapi';

function usage(msg) {
  if (msg) process.stderr.write(`validate.mjs: ${msg}\n`);
  process.stderr.write('usage: node validate.mjs SPEC EXCHANGES.jsonl\n');
  process.exit(2);
}

async function loadTools() {
  try {
    const YAML = (await import('yaml')).default;
    const Ajv2020 = (await import('ajv/dist/2020.js')).default;
    const addFormats = (await import('ajv-formats')).default;
    return { YAML, Ajv2020, addFormats };
  } catch (e) {
    usage(`cannot load yaml/ajv/ajv-formats (${e.message}); run: npm ci --prefix ${HERE}`);
  }
  return null;
}

// ------------------------------------------------------------------- the spec




class Contract {
  constructor(doc, ajv) {
    this.doc = doc;
    this.ajv = ajv;
    this.validators = new Map();
    this.pairs = new Map(); // "METHOD template status" -> covered?
    for (const [template, item] of Object.entries(doc.paths || {})) {
      for (const m of METHODS) {
        if (!item[m]) continue;
        for (const status of Object.keys(item[m].responses || {})) {
          if (status !== 'default') this.pairs.set(`${m.toUpperCase()} ${template} ${status}`, false);
        }
      }
    }
    this.unrouted = doc['x-lendgate-unrouted']?.responses || {};
    this.matchPath = matcher(doc);
  }

  // An Ajv validator for the schema at a JSON pointer of the spec (compiled once).
  validator(pointer) {
    let v = this.validators.get(pointer);
    if (!v) {
      const frag = pointer.split('/').map(encodeURIComponent).join('/');
      v = this.ajv.compile({ $ref: `${SPEC_ID}#${frag}` });
      this.validators.set(pointer, v);
    }
    return v;
  }

  // Compiles every schema the checks can use, so a broken spec stops before any exchange.
  precompile() {
    const responses = (obj, ptr) => {
      for (const [status, r] of Object.entries(obj || {})) {
        const { node, pointer } = deref(this.doc, r, `${ptr}/${esc(status)}`);
        if (node?.content?.['application/json']?.schema) this.validator(`${pointer}/content/application~1json/schema`);
        for (const [name, h] of Object.entries(node?.headers || {})) {
          const hd = deref(this.doc, h, `${pointer}/headers/${esc(name)}`);
          if (hd.node?.schema) this.validator(`${hd.pointer}/schema`);
        }
      }
    };
    for (const [template, item] of Object.entries(this.doc.paths || {})) {
      for (const m of METHODS) {
        const op = item[m];
        if (!op) continue;
        const base = `/paths/${esc(template)}/${m}`;
        responses(op.responses, `${base}/responses`);
        if (op.requestBody) {
          const rb = deref(this.doc, op.requestBody, `${base}/requestBody`);
          if (rb.node?.content?.['application/json']?.schema) this.validator(`${rb.pointer}/content/application~1json/schema`);
        }
        for (const p of this.parameters(template, m)) if (p.node.schema) this.validator(`${p.pointer}/schema`);
      }
    }
    responses(this.unrouted, '/x-lendgate-unrouted/responses');
  }

  // The path and operation parameters of an operation, resolved, with their pointers.
  parameters(template, method) {
    const item = this.doc.paths[template];
    const out = new Map();
    const add = (list, ptr) =>
      (list || []).forEach((p, i) => {
        const r = deref(this.doc, p, `${ptr}/${i}`);
        out.set(`${r.node.in}:${r.node.name}`, r);
      });
    add(item.parameters, `/paths/${esc(template)}/parameters`);
    add(item[method]?.parameters, `/paths/${esc(template)}/${method}/parameters`);
    return [...out.values()];
  }

  // The template a concrete path matches (spec.mjs matcher).
  match(concrete) {
    return this.matchPath(concrete);
  }

}



function describe(e) {
  let msg = e.message || 'is invalid';
  // A long pattern (the uint256-beyond-2^53 one) says nothing in a log line.
  if (e.keyword === 'pattern' && String(e.params?.pattern).length > 60) msg = "must match the schema's pattern";
  const p = e.params || {};
  if (p.additionalProperty !== undefined) msg += ` ("${p.additionalProperty}")`;
  if (p.unevaluatedProperty !== undefined) msg += ` ("${p.unevaluatedProperty}")`;
  if (Array.isArray(p.allowedValues)) msg += ` (${p.allowedValues.join(', ')})`;
  if (p.allowedValue !== undefined) msg += ` (${JSON.stringify(p.allowedValue)})`;
  return msg;
}

// ------------------------------------------------------------------ the checks

function check(contract, ex) {
  const problems = [];
  const doc = contract.doc;
  const method = String(ex.method).toUpperCase();
  const status = String(ex.status);
  const fullPath = String(ex.path);
  const qAt = fullPath.indexOf('?');
  const pathOnly = qAt < 0 ? fullPath : fullPath.slice(0, qAt);
  const query = new URLSearchParams(qAt < 0 ? '' : fullPath.slice(qAt + 1));
  const headers = {};
  for (const [k, v] of Object.entries(ex.responseHeaders || {})) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  const ok2xx = Number(ex.status) >= 200 && Number(ex.status) < 300;

  const validate = (pointer, value, where) => {
    const v = contract.validator(pointer);
    if (!v(value)) {
      const seen = new Set();
      for (const e of v.errors || []) {
        const line = `${where}${e.instancePath || ''}: ${describe(e)}`;
        if (!seen.has(line)) problems.push(line);
        seen.add(line);
      }
    }
  };

  const checkResponse = (respRef, respPtr, bodyless) => {
    const { node: resp, pointer } = deref(doc, respRef, respPtr);
    const media = resp.content?.['application/json'];
    if (media?.schema && !bodyless) {
      if (ex.responseBody === null || ex.responseBody === undefined) problems.push('response body: missing (a JSON body is declared)');
      else validate(`${pointer}/content/application~1json/schema`, ex.responseBody, 'response body');
    }
    for (const [name, h] of Object.entries(resp.headers || {})) {
      const hd = deref(doc, h, `${pointer}/headers/${esc(name)}`);
      const got = headers[name.toLowerCase()];
      if (got === undefined) {
        if (hd.node.required) problems.push(`response header ${name}: missing (required)`);
        continue;
      }
      if (hd.node.schema) validate(`${hd.pointer}/schema`, coerce(got, hd.node.schema, doc), `response header ${name}`);
    }
  };

  const unrouted = (why) => {
    const r = contract.unrouted[status];
    if (!r) {
      problems.push(why);
      return { pair: null, problems };
    }
    checkResponse(r, `/x-lendgate-unrouted/responses/${esc(status)}`, method === 'HEAD');
    return { pair: null, problems };
  };

  const t = contract.match(pathOnly);
  if (!t) return unrouted(`no path of the spec matches ${pathOnly}`);
  const item = doc.paths[t.template];
  let m = method.toLowerCase();
  const bodyless = method === 'HEAD';
  if (m === 'head' && !item.head && item.get) m = 'get';
  const op = METHODS.includes(m) ? item[m] : undefined;
  if (!op) return unrouted(`${method} is not an operation of ${t.template}`);
  const declared = op.responses || {};
  if (!(status in declared)) {
    // HEAD is no operation of its own: a server that refuses it answers 405.
    if (method === 'HEAD' && !item.head && contract.unrouted[status]) return unrouted('');
    problems.push(`status ${status} is not declared for ${m.toUpperCase()} ${t.template} (declared: ${Object.keys(declared).filter((s) => s !== 'default').join(', ')})`);
    return { pair: null, problems };
  }
  const pair = `${m.toUpperCase()} ${t.template} ${status}`;
  const opPtr = `/paths/${esc(t.template)}/${m}`;

  if (ok2xx) {
    // The request: parameters and JSON body, as the spec declares them.
    for (const p of contract.parameters(t.template, m)) {
      const prm = p.node;
      if (prm.in === 'path') {
        if (prm.schema) validate(`${p.pointer}/schema`, coerce(t.values[prm.name] ?? '', prm.schema, doc), `path parameter ${prm.name}`);
      } else if (prm.in === 'query') {
        const got = query.get(prm.name);
        if (got === null) {
          if (prm.required) problems.push(`query parameter ${prm.name}: missing (required)`);
        } else if (prm.schema) validate(`${p.pointer}/schema`, coerce(got, prm.schema, doc), `query parameter ${prm.name}`);
      }
    }
    const hasBody = ex.requestBody !== null && ex.requestBody !== undefined;
    if (op.requestBody) {
      const rb = deref(doc, op.requestBody, `${opPtr}/requestBody`);
      if (!hasBody) {
        if (rb.node.required) problems.push('request body: missing (required)');
      } else if (rb.node.content?.['application/json']?.schema) {
        validate(`${rb.pointer}/content/application~1json/schema`, ex.requestBody, 'request body');
      }
    } else if (hasBody) {
      problems.push(`request body: ${m.toUpperCase()} ${t.template} declares none`);
    }
  }
  checkResponse(declared[status], `${opPtr}/responses/${esc(status)}`, bodyless);
  return { pair, problems };
}

// ---------------------------------------------------------------------- main

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2 || args.some((a) => a === '-h' || a === '--help')) usage();
  const [specFile, exchangesFile] = args;
  const { YAML, Ajv2020, addFormats } = await loadTools();

  let doc;
  try {
    doc = YAML.parse(fs.readFileSync(specFile, 'utf8'), { maxAliasCount: -1 });
  } catch (e) {
    usage(`cannot read the spec ${specFile}: ${e.message}`);
  }
  if (!doc || typeof doc !== 'object' || !/^3\.1\./.test(String(doc.openapi)) || !doc.paths)
    usage(`${specFile} is not an OpenAPI 3.1 document`);
  let text;
  try {
    text = fs.readFileSync(exchangesFile, 'utf8');
  } catch (e) {
    usage(`cannot read ${exchangesFile}: ${e.message}`);
  }

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, SPEC_ID);
  const contract = new Contract(doc, ajv);
  try {
    contract.precompile();
  } catch (e) {
    usage(`the spec's schemas do not compile: ${e.message}`);
  }

  let n = 0;
  let failures = 0;
  const covered = new Set();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    n++;
    let ex;
    try {
      ex = JSON.parse(line);
    } catch (e) {
      console.log(`FAIL ? ? ? ?: ${exchangesFile} line ${i + 1} is not JSON (${e.message})`);
      failures++;
      return;
    }
    const test = ex?.test || '?';
    if (!ex || typeof ex !== 'object' || typeof ex.method !== 'string' || typeof ex.path !== 'string' ||
        !Number.isInteger(Number(ex.status))) {
      console.log(`FAIL ${test} ? ? ?: ${exchangesFile} line ${i + 1} lacks method, path or status`);
      failures++;
      return;
    }
    let result;
    try {
      result = check(contract, ex);
    } catch (e) {
      result = { pair: null, problems: [`cannot check: ${e.message}`] };
    }
    if (result.pair) covered.add(result.pair);
    for (const p of result.problems) {
      if (!p) continue;
      console.log(`FAIL ${test} ${ex.method.toUpperCase()} ${ex.path} ${ex.status}: ${p}`);
      failures++;
    }
  });

  const declared = [...contract.pairs.keys()];
  const hit = declared.filter((k) => covered.has(k));
  console.log(`contract: ${n} exchanges, ${hit.length} routes/status pairs covered, ${failures} failures`);
  const missed = declared.filter((k) => !covered.has(k));
  if (missed.length) {
    console.log(`contract: ${missed.length} of ${declared.length} declared operation/status pairs not covered (information):`);
    const byOp = new Map();
    for (const k of missed) {
      const at = k.lastIndexOf(' ');
      const op = k.slice(0, at);
      byOp.set(op, [...(byOp.get(op) || []), k.slice(at + 1)]);
    }
    for (const [op, statuses] of byOp) console.log(`  not covered: ${op} ${statuses.join(' ')}`);
  }
  process.exit(failures > 0 ? 1 : 0);
}

main();
