#!/usr/bin/env node
// examples_from_run.mjs - gives docs/openapi.yaml examples taken from a real run: the
// HTTP exchanges the integration suite recorded (<test>.contract.jsonl, one per script,
// beside the test logs of a build directory).
//
//   node contrib/openapi/examples_from_run.mjs [--dry-run] SPEC EXCHANGES...
//
// EXCHANGES are .contract.jsonl files or directories holding them (a build directory's
// tests/integration). Each line is one exchange as contrib/openapi/validate.mjs reads it:
//   {"method","path","status","requestBody","responseBody","responseHeaders","test"}
//
// For every response the spec declares (operations, the `x-lendgate-unrouted` answers
// and the shared components/responses they use) the script picks recorded exchanges
// of that route and status whose response body matches the declared schema, and puts
// their bodies in place of the response's `example`, or of each named entry of its
// `examples`. Request bodies get the request of a 2xx exchange whose request is valid
// for the operation (body, path and query parameters). Ranking: a valid request first
// (2xx), then the exchanges of http_pipeline and admin_api, then the exchange most like
// the example it replaces (same fields, same kinds of values, a similar message),
// then the order of the run. A named example is only replaced by an exchange of its own
// kind (see sameKind: its fields and JSON types, none of the fields only its siblings
// have, its status-like values and message where a sibling with the same fields
// differs). When no name of a map fits any exchange, a `recorded` example is added first
// and the others stay; it goes again once a name fits.
//
// A recorded body keeps only the properties its schema declares (responses carry more,
// such as requestId; the linter's example check refuses undeclared properties), so every
// example lints clean; the values stay as recorded.
//
// Secrets are scrubbed before anything is written: API keys (pk_<p>_<env>_<hex>, also
// the 16-character display prefix), webhook secrets (whsec_<hex>) and signing secrets
// (sig_<hex>) keep their shape with the hex replaced by 0123456789abcdef..., and any
// other value of a field named apiKey, webhookSecret or signingSecret becomes x's.
// Request ids, hashes, addresses and times of the run stay as recorded.
//
// Where no recorded exchange fits, the hand-written example stays and is marked: the
// response's description (or the named example's description) ends with
// "(example written by hand: no run produces this answer)", a request body's with
// "(example written by hand: no run makes this request)". A later run that produces the
// answer replaces the example and drops the mark.
//
// Only the example values and those marks change: the script edits the text of the spec
// in place at the positions yaml's parseDocument reports, so comments, ordering, quoting
// and line folding elsewhere are untouched. Every chosen example is checked against its
// schema (as validate.mjs and the linter check) before it is written, and the written
// file is parsed back and compared. Prints what came from the run and what stayed by hand.
// Give it every .contract.jsonl of one full run: an answer missing from the files given
// counts as one no run produces.
// Exit status: 0 done, 1 the result did not check out (nothing written), 2 usage error.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { METHODS, coerce, deref, esc, matcher, pointerGet, pointerKeys } from './spec.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SPEC_ID = 'urn:lendgate:openapi';
const PREFERRED_TESTS = ['http_pipeline', 'admin_api'];
const RESPONSE_MARK = '(example written by hand: no run produces this answer)';
const REQUEST_MARK = '(example written by hand: no run makes this request)';
// The named example added to a map none of whose examples the run could replace.
const RECORDED_NAME = 'recorded';
const RECORDED_SUMMARY = 'Recorded from a test run';
const PLACEHOLDER_HEX = '0123456789abcdef'.repeat(8);
const SECRET_FIELDS = /^(apiKey|webhookSecret|signingSecret)$/i;
// The message of a named example and of the exchange replacing it share at least this
// much of their words (Jaccard, digits and hex normalised) when siblings differ in it.
const MESSAGE_LIKENESS = 0.5;

function usage(msg) {
  if (msg) process.stderr.write(`examples_from_run.mjs: ${msg}\n`);
  process.stderr.write('usage: node examples_from_run.mjs [--dry-run] SPEC EXCHANGES.jsonl|DIR...\n');
  process.exit(2);
}

async function loadTools() {
  try {
    const YAML = await import('yaml');
    const Ajv2020 = (await import('ajv/dist/2020.js')).default;
    const addFormats = (await import('ajv-formats')).default;
    // The Ajv build Redocly CLI checks examples with (pinned with it in package-lock.json).
    const LintAjv2020 = (await import('@redocly/ajv/dist/2020.js')).default;
    return { YAML, Ajv2020, addFormats, LintAjv2020 };
  } catch (e) {
    usage(`cannot load yaml/ajv/ajv-formats (${e.message}); run: npm ci --prefix ${HERE}`);
  }
  return null;
}

// ------------------------------------------------------- the spec (as validate.mjs)





// ---------------------------------------------------------------- scrubbing

function scrubString(s) {
  return s
    .replace(/\b(pk_[a-z0-9]{1,32}_(?:live|sandbox)_)([0-9a-f]{1,32})/g, (_, p, h) => p + PLACEHOLDER_HEX.slice(0, h.length))
    .replace(/\b(whsec_)([0-9a-f]{8,})/g, (_, p, h) => p + PLACEHOLDER_HEX.slice(0, h.length))
    .replace(/\b(sig_)([0-9a-f]{16,})/g, (_, p, h) => p + PLACEHOLDER_HEX.slice(0, h.length));
}

function scrub(value, key) {
  if (typeof value === 'string') {
    const s = scrubString(value);
    if (key !== undefined && SECRET_FIELDS.test(key) && s === value && value !== '') return value.replace(/[A-Za-z0-9]/g, 'x');
    return s;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k);
    return out;
  }
  return value;
}

// ---------------------------------------------------------- likeness of values

const jsonType = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

// Leaf paths of a value: "a.b[].c" -> [values...]; arrays count as one item shape.
function leaves(value, prefix = '', out = new Map()) {
  const t = jsonType(value);
  if (t === 'object') {
    const keys = Object.keys(value);
    if (!keys.length) out.set(prefix, [...(out.get(prefix) || []), value]);
    for (const k of keys) leaves(value[k], prefix ? `${prefix}.${k}` : k, out);
  } else if (t === 'array') {
    if (!value.length) out.set(prefix, [...(out.get(prefix) || []), value]);
    for (const v of value) leaves(v, `${prefix}[]`, out);
  } else {
    out.set(prefix, [...(out.get(prefix) || []), value]);
  }
  return out;
}

const words = (s) =>
  new Set(
    String(s)
      .toLowerCase()
      .replace(/0x[0-9a-f]+/g, ' hex ')
      .replace(/[0-9]+/g, ' n ')
      .split(/[^a-z]+/)
      .filter(Boolean),
  );

// Word overlap of two texts; messages naming different fields ("limit: ..." and
// "platformFeePercentage: ...") count half.
function likeness(a, b) {
  if (a === b) return 1;
  const wa = words(a);
  const wb = words(b);
  if (!wa.size && !wb.size) return 0;
  let both = 0;
  for (const w of wa) if (wb.has(w)) both++;
  const field = (t) => String(t).match(/^([A-Za-z][A-Za-z0-9_.[\]]*):\s/)?.[1];
  const fa = field(a);
  const fb = field(b);
  return (both / (wa.size + wb.size - both)) * (fa && fb && fa !== fb ? 0.5 : 1);
}

const statusLike = (v) => typeof v === 'string' && /^[A-Z][A-Z_]+$/.test(v);

// How much a candidate looks like the hand-written example it would replace: shared
// fields of the same JSON type, alike strings, equal values; a little less for each
// field the example does not have and for size (a compact real answer reads better).
function score(hand, cand) {
  const h = leaves(hand);
  const c = leaves(cand);
  let s = 0;
  for (const [p, hv] of h) {
    const cv = c.get(p);
    if (!cv) continue;
    const ht = jsonType(hv[0]);
    if (ht !== 'null' && ht !== jsonType(cv[0])) continue;
    s += 1;
    if (typeof hv[0] === 'string' && typeof cv[0] === 'string') s += (p.endsWith('message') ? 2 : 0.5) * likeness(hv[0], cv[0]);
    else if (hv[0] === cv[0]) s += 0.5;
  }
  for (const p of c.keys()) if (!h.has(p)) s -= 0.05;
  return s - JSON.stringify(cand).length / 2000;
}

// Whether a candidate is of the kind of a named example, given its siblings (the other
// named examples of the same map). Strict: it has every field of the example, with the
// example's JSON types. Loose (for names no strict candidate fits): the fields it shares
// with the example have the example's types, and where the example has fields a sibling
// lacks, it has one of them. Both: it has no field that only a sibling has; against a
// sibling with the same fields, the example's status-like value (ACTIVE, REPAID, ...)
// where the sibling's differs, and a message like the example's where the sibling's
// message differs.
function sameKind(hand, siblings, cand, loose = false) {
  const h = leaves(hand);
  const c = leaves(cand);
  for (const [p, hv] of h) {
    const cv = c.get(p);
    if (!cv) {
      if (loose) continue;
      return false;
    }
    const ht = jsonType(hv[0]);
    if (ht !== 'null' && ht !== jsonType(cv[0])) return false;
  }
  for (const sib of siblings) {
    const sl = leaves(sib);
    const own = [...h.keys()].filter((p) => !sl.has(p));
    if (loose && own.length && !own.some((p) => c.has(p))) return false;
    const sameFields = !own.length && [...sl.keys()].every((p) => h.has(p));
    for (const [p, sv] of sl) {
      if (!h.has(p) && c.has(p)) return false; // a field only a sibling has
      if (!sameFields) continue; // the fields tell them apart, not the values
      const hv = h.get(p);
      if (!hv || hv[0] === sv[0]) continue;
      if (statusLike(hv[0]) && statusLike(sv[0]) && c.has(p) && c.get(p)[0] !== hv[0]) return false;
      if (p === 'message' && typeof hv[0] === 'string' && likeness(hv[0], String(c.get(p)?.[0])) < MESSAGE_LIKENESS) return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ rendering

function renderer(YAML) {
  const needsQuotes = (s) => {
    // Amounts, dates, times, addresses and percentages are quoted, as the hand-written
    // examples have them (YAML 1.1 readers take some of them for numbers or dates).
    if (s === '' || /^\s|\s$/.test(s) || /^[0-9][0-9_.:%+-]*$/.test(s) || /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(s)) return true;
    for (const version of ['1.1', '1.2']) {
      try {
        if (YAML.parse(s, { version }) !== s) return true;
      } catch {
        return true;
      }
    }
    return false;
  };
  // The block YAML of a value, its first line unindented, the others at `indent`.
  return (value, indent) => {
    const d = new YAML.Document(value);
    YAML.visit(d, {
      Scalar(_, node) {
        if (typeof node.value === 'string' && needsQuotes(node.value)) node.type = 'QUOTE_SINGLE';
      },
      Seq(_, node) {
        if (node.items.every((n) => YAML.isScalar(n)) && JSON.stringify(node.items.map((n) => n.value)).length <= 60) node.flow = true;
      },
    });
    const text = d.toString({ lineWidth: 0, flowCollectionPadding: false, singleQuote: true }).replace(/\n$/, '');
    return text.split('\n').map((line, i) => (i === 0 || line === '' ? line : ' '.repeat(indent) + line)).join('\n');
  };
}

// ----------------------------------------------------------------------- main

function readExchanges(args) {
  const files = [];
  for (const a of args) {
    let st;
    try {
      st = fs.statSync(a);
    } catch (e) {
      usage(`cannot read ${a}: ${e.message}`);
    }
    if (st.isDirectory()) {
      const found = fs.readdirSync(a).filter((f) => f.endsWith('.contract.jsonl')).sort();
      if (!found.length) usage(`no *.contract.jsonl in ${a}`);
      files.push(...found.map((f) => path.join(a, f)));
    } else files.push(a);
  }
  const out = [];
  for (const f of files) {
    fs.readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        try {
          out.push({ ...JSON.parse(line), file: f, line: i + 1 });
        } catch (e) {
          usage(`${f} line ${i + 1} is not JSON (${e.message})`);
        }
      });
  }
  return { files, exchanges: out };
}

async function main() {
  let args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) usage();
  const dryRun = args.includes('--dry-run');
  args = args.filter((a) => a !== '--dry-run');
  if (args.length < 2) usage();
  const [specFile, ...sources] = args;
  const { YAML, Ajv2020, addFormats, LintAjv2020 } = await loadTools();
  const render = renderer(YAML);

  const text = fs.readFileSync(specFile, 'utf8');
  const ydoc = YAML.parseDocument(text, { keepSourceTokens: false });
  if (ydoc.errors.length) usage(`cannot parse ${specFile}: ${ydoc.errors[0].message}`);
  const doc = ydoc.toJS({ maxAliasCount: -1 });
  if (!doc || !/^3\.1\./.test(String(doc.openapi)) || !doc.paths) usage(`${specFile} is not an OpenAPI 3.1 document`);
  const { files, exchanges } = readExchanges(sources);

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, SPEC_ID);
  const validators = new Map();
  const valid = (pointer, value) => {
    let v = validators.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `${SPEC_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      validators.set(pointer, v);
    }
    return v(value);
  };
  // lint.sh's example rules check with Redocly's Ajv, whose one instance (made by
  // whichever example rule runs first) refuses properties a schema with `properties`
  // does not declare. A recorded body keeps only what the schema declares, so the example
  // lints clean; the values stay as recorded.
  const lintAjv = new LintAjv2020({
    schemaId: '$id',
    allErrors: true,
    strictSchema: false,
    inlineRefs: false,
    validateSchema: false,
    discriminator: true,
    allowUnionTypes: true,
    validateFormats: false,
    defaultUnevaluatedProperties: false,
    logger: false,
  });
  lintAjv.addSchema(doc, SPEC_ID);
  const lintValidators = new Map();
  const lintValidator = (pointer) => {
    let v = lintValidators.get(pointer);
    if (!v) {
      v = lintAjv.compile({ $ref: `${SPEC_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      lintValidators.set(pointer, v);
    }
    return v;
  };
  const declaredOnly = (pointer, value) => {
    const v = lintValidator(pointer);
    const out = structuredClone(value);
    for (let round = 0; round < 32; round++) {
      if (v(out)) return valid(pointer, out) ? out : null;
      const extra = (v.errors || []).filter((e) => e.keyword === 'unevaluatedProperties');
      if (!extra.length) return null;
      for (const e of extra) {
        let at = out;
        for (const k of e.instancePath.split('/').slice(1)) at = at?.[k.replace(/~1/g, '/').replace(/~0/g, '~')];
        if (at && typeof at === 'object') delete at[e.params.unevaluatedProperty];
      }
    }
    return null;
  };
  const parameters = (template, method) => {
    const item = doc.paths[template];
    const out = new Map();
    const add = (list, ptr) =>
      (list || []).forEach((p, i) => {
        const r = deref(doc, p, `${ptr}/${i}`);
        out.set(`${r.node.in}:${r.node.name}`, r);
      });
    add(item.parameters, `/paths/${esc(template)}/parameters`);
    add(item[method]?.parameters, `/paths/${esc(template)}/${method}/parameters`);
    return [...out.values()];
  };

  // --- Slots: each response object that carries examples, and who reaches it.
  const slots = new Map(); // response pointer -> slot
  const pairs = []; // declared {key, slotPointer}
  const addPair = (key, respRef, ptr) => {
    const { node, pointer } = deref(doc, respRef, ptr);
    let slot = slots.get(pointer);
    if (!slot) {
      slot = { pointer, node, users: [], candidates: [] };
      slots.set(pointer, slot);
    }
    slot.users.push(key);
    pairs.push({ key, slot: pointer });
  };
  const requests = new Map(); // "METHOD template" -> {pointer, node, candidates}
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const opPtr = `/paths/${esc(template)}/${m}`;
      for (const [status, r] of Object.entries(op.responses || {}))
        if (status !== 'default') addPair(`${m.toUpperCase()} ${template} ${status}`, r, `${opPtr}/responses/${esc(status)}`);
      if (op.requestBody) {
        const rb = deref(doc, op.requestBody, `${opPtr}/requestBody`);
        requests.set(`${m.toUpperCase()} ${template}`, { ...rb, candidates: [], op: `${m.toUpperCase()} ${template}` });
      }
    }
  }
  const unrouted = doc['x-lendgate-unrouted']?.responses || {};
  for (const [status, r] of Object.entries(unrouted)) addPair(`unrouted ${status}`, r, `/x-lendgate-unrouted/responses/${esc(status)}`);

  // --- Classify the exchanges (HEAD carries no body: no example).
  const match = matcher(doc);
  let index = 0;
  let used = 0;
  for (const ex of exchanges) {
    index++;
    const method = String(ex.method || '').toUpperCase();
    if (method === 'HEAD' || !Number.isInteger(Number(ex.status))) continue;
    const status = String(ex.status);
    const full = String(ex.path || '');
    const q = full.indexOf('?');
    const pathOnly = q < 0 ? full : full.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : full.slice(q + 1));
    const t = match(pathOnly);
    const op = t ? doc.paths[t.template][method.toLowerCase()] : undefined;
    let key;
    let respRef;
    let respPtr;
    if (op && op.responses?.[status]) {
      key = `${method} ${t.template} ${status}`;
      respRef = op.responses[status];
      respPtr = `/paths/${esc(t.template)}/${method.toLowerCase()}/responses/${esc(status)}`;
    } else if (!op && unrouted[status]) {
      key = `unrouted ${status}`;
      respRef = unrouted[status];
      respPtr = `/x-lendgate-unrouted/responses/${esc(status)}`;
    } else continue;
    const { pointer } = deref(doc, respRef, respPtr);
    const slot = slots.get(pointer);
    const media = slot.node.content?.['application/json'];
    if (!media?.schema || ex.responseBody === null || ex.responseBody === undefined) continue;
    const schemaPtr = `${pointer}/content/application~1json/schema`;
    if (!valid(schemaPtr, scrub(ex.responseBody))) continue;
    const responseBody = declaredOnly(schemaPtr, scrub(ex.responseBody));
    if (!responseBody) continue;
    const ok2xx = Number(status) >= 200 && Number(status) < 300;
    const test = String(ex.test || '').replace(/\.sh$/, '');
    const cand = {
      key,
      index,
      test,
      where: `${path.basename(ex.file)}:${ex.line} ${method} ${full} ${status}`,
      responseBody,
      requestBody: null,
      reqOk: false,
      pref: PREFERRED_TESTS.includes(test) ? 0 : 1,
    };
    if (ok2xx && op) {
      // The request as validate.mjs holds a 2xx request: parameters and JSON body.
      let ok = true;
      const m = method.toLowerCase();
      for (const p of parameters(t.template, m)) {
        const prm = p.node;
        if (!prm.schema) continue;
        if (prm.in === 'path') ok &&= valid(`${p.pointer}/schema`, coerce(t.values[prm.name] ?? '', prm.schema, doc));
        else if (prm.in === 'query') {
          const got = query.get(prm.name);
          if (got === null) ok &&= !prm.required;
          else ok &&= valid(`${p.pointer}/schema`, coerce(got, prm.schema, doc));
        }
      }
      const req = requests.get(`${method} ${t.template}`);
      const hasBody = ex.requestBody !== null && ex.requestBody !== undefined;
      if (req) {
        const schemaPtr = `${req.pointer}/content/application~1json/schema`;
        if (hasBody) {
          cand.requestBody = scrub(ex.requestBody);
          if (req.node.content?.['application/json']?.schema) {
            ok &&= valid(schemaPtr, cand.requestBody);
            if (ok) cand.requestBody = declaredOnly(schemaPtr, cand.requestBody);
            ok &&= cand.requestBody !== null;
          }
        } else ok &&= !req.node.required;
      } else ok &&= !hasBody;
      cand.reqOk = ok;
      if (ok && req && cand.requestBody) req.candidates.push(cand);
    }
    slot.candidates.push(cand);
    used++;
  }

  // --- Choose. Edits are [start, end, text] on the spec's text.
  const edits = [];
  const nodeAt = (pointer) => ydoc.getIn(pointerKeys(pointer), true);
  const indentOf = (offset) => offset - text.lastIndexOf('\n', offset - 1) - 1;
  const report = { noBody: [], requests: [] };
  const chosenBy = new Map(); // slot pointer -> chosen candidates

  const replaceValue = (pointer, value) => {
    const node = nodeAt(pointer);
    if (!node || !YAML.isMap(node) || node.flow || !node.range) throw new Error(`${pointer} is not a block mapping`);
    const [start, end] = node.range;
    const old = text.slice(start, end);
    if (/^\s*#/m.test(old)) throw new Error(`${pointer} holds comments; not replacing it`);
    const trailing = old.match(/\n\s*$/)?.[0] ?? '';
    edits.push([start, end, render(value, indentOf(start)) + trailing, pointer]);
  };
  // Sets (or clears) the mark at the end of the description of the map at `pointer`;
  // adds a description before `beforeKey` when it has none.
  const setMark = (pointer, mark, on, beforeKey) => {
    const map = nodeAt(pointer);
    const desc = map.get('description', true);
    const current = desc ? String(desc.value) : null;
    if (current === null) {
      if (!on) return;
      const pair = map.items.find((p) => p.key?.value === beforeKey) || map.items[0];
      const at = pair.key.range[0];
      edits.push([at, at, `description: ${render(mark, 0)}\n${' '.repeat(indentOf(at))}`, `${pointer}/description`]);
      return;
    }
    const bare = current.replace(` ${mark}`, '').replace(mark, '');
    const has = bare !== current;
    if (has === on) return;
    if (!on && bare.trim() === '') {
      // A description that is only the mark goes with its line.
      const pair = map.items.find((p) => p.key?.value === 'description');
      const from = text.lastIndexOf('\n', pair.key.range[0]) + 1;
      const to = text.indexOf('\n', desc.range[1] - 1) + 1;
      edits.push([from, to, '', `${pointer}/description`]);
      return;
    }
    const [start, end] = desc.range;
    const old = text.slice(start, end);
    const trailing = old.match(/\n\s*$/)?.[0] ?? '';
    let body;
    if (desc.type === 'BLOCK_FOLDED' || desc.type === 'BLOCK_LITERAL') {
      const ind = ' '.repeat(indentOf(map.items[0].key.range[0]) + 2);
      const lines = old.replace(/\n\s*$/, '').split('\n');
      if (on) lines.push(ind + mark);
      else {
        const i = lines.findIndex((l) => l.trim() === mark);
        if (i > 0) lines.splice(i, 1);
        else lines[lines.length - 1] = lines[lines.length - 1].replace(` ${mark}`, '');
      }
      body = lines.join('\n');
      // A text left on one line goes back beside its key, as it was before the mark made
      // it a block.
      if (!on && lines.length === 2) body = render(bare, indentOf(start));
    } else if (on) {
      // A one-line description becomes a folded block: the text on one line (as it was),
      // the mark on a line of its own.
      const ind = ' '.repeat(indentOf(map.items[0].key.range[0]) + 2);
      body = `>-\n${ind}${bare}\n${ind}${mark}`;
    } else {
      body = render(bare, indentOf(start));
    }
    edits.push([start, end, body + trailing, `${pointer}/description`]);
  };

  // Adds a named example (first in its map) for a map whose names no candidate fits.
  const addNamed = (mapPointer, name, value) => {
    const map = nodeAt(mapPointer);
    const at = map.items[0].key.range[0];
    const ind = indentOf(at);
    const pad = (n) => ' '.repeat(n);
    edits.push([
      at,
      at,
      `${name}:\n${pad(ind + 2)}summary: ${RECORDED_SUMMARY}\n${pad(ind + 2)}value:\n${pad(ind + 4)}${render(value, ind + 4)}\n${pad(ind)}`,
      `${mapPointer}/${name}`,
    ]);
  };
  // Drops a named example this script added once, when no exchange fits it any more.
  const dropNamed = (mapPointer, name) => {
    const map = nodeAt(mapPointer);
    const pair = map.items.find((p) => p.key?.value === name);
    const from = text.lastIndexOf('\n', pair.key.range[0]) + 1;
    edits.push([from, pair.value.range[1], '', `${mapPointer}/${name}`]);
  };

  const bodySig = (v) => JSON.stringify(v, (k, x) => (k === 'requestId' ? undefined : x));
  // Ranking of candidates for one example: a valid request, the preferred tests, likeness
  // to the example replaced (with `bonus`), the order of the run.
  const ranked = (cands, hand, bodyOf, bonus) =>
    cands
      .map((c) => ({ c, s: score(hand, bodyOf(c)) + bonus(c) }))
      .sort((a, b) => b.c.reqOk - a.c.reqOk || a.c.pref - b.c.pref || b.s - a.s || a.c.index - b.c.index);

  // Fills the `example` or the named `examples` of the media type object at mediaPtr
  // from the candidates. Returns {chosen: [{name, cand}], hand: [name], added}.
  const fill = (mediaPtr, media, cands, bodyOf, mark, bonus) => {
    const res = { chosen: [], hand: [], added: null };
    if (media.example !== undefined) {
      const best = ranked(cands, media.example, bodyOf, bonus)[0];
      if (best) {
        replaceValue(`${mediaPtr}/example`, bodyOf(best.c));
        res.chosen.push({ name: null, cand: best.c });
      } else res.hand.push(null);
      return res;
    }
    const names = Object.keys(media.examples);
    const taken = new Map();
    const sigs = new Set();
    const assign = (loose) => {
      const options = [];
      for (const name of names) {
        if (taken.has(name) || (loose && name === RECORDED_NAME)) continue;
        const hand = media.examples[name].value;
        const siblings = names.filter((n) => n !== name).map((n) => media.examples[n].value);
        for (const c of cands)
          if (sameKind(hand, siblings, bodyOf(c), loose)) options.push({ name, c, s: score(hand, bodyOf(c)) + bonus(c) });
      }
      options.sort((a, b) => b.s - a.s || b.c.reqOk - a.c.reqOk || a.c.pref - b.c.pref || a.c.index - b.c.index);
      for (const o of options) {
        if (taken.has(o.name) || sigs.has(bodySig(bodyOf(o.c)))) continue;
        taken.set(o.name, o.c);
        sigs.add(bodySig(bodyOf(o.c)));
      }
    };
    assign(false);
    assign(true);
    // `recorded` only stands in while no other name has an answer of its kind.
    if ([...taken.keys()].some((n) => n !== RECORDED_NAME)) taken.delete(RECORDED_NAME);
    if (!taken.size && cands.length) {
      // No named example has an answer of its kind in the run: a recorded one goes first.
      const best = ranked(cands, media.examples[names[0]].value, bodyOf, bonus)[0];
      if (names.includes(RECORDED_NAME)) taken.set(RECORDED_NAME, best.c);
      else {
        addNamed(`${mediaPtr}/examples`, RECORDED_NAME, bodyOf(best.c));
        res.added = RECORDED_NAME;
        res.chosen.push({ name: RECORDED_NAME, cand: best.c });
      }
    }
    for (const name of names) {
      const c = taken.get(name);
      if (c) {
        replaceValue(`${mediaPtr}/examples/${esc(name)}/value`, bodyOf(c));
        res.chosen.push({ name, cand: c });
      } else if (name === RECORDED_NAME) {
        dropNamed(`${mediaPtr}/examples`, name);
        continue;
      } else res.hand.push(name);
      // A named example of a response is marked when the run has answers, but none of its
      // kind (with none at all, the response's description is marked); a named request
      // example whenever no request of the run fits it.
      setMark(`${mediaPtr}/examples/${esc(name)}`, mark, !c && (mark === REQUEST_MARK || res.chosen.length > 0), 'value');
    }
    return res;
  };

  let runCount = 0;
  let handCount = 0;
  for (const slot of slots.values()) {
    const media = slot.node.content?.['application/json'];
    if (!media || (media.example === undefined && media.examples === undefined)) {
      report.noBody.push(slot);
      continue;
    }
    const res = fill(`${slot.pointer}/content/application~1json`, media, slot.candidates, (c) => c.responseBody, RESPONSE_MARK, () => 0);
    setMark(slot.pointer, RESPONSE_MARK, res.chosen.length === 0);
    chosenBy.set(slot.pointer, res.chosen);
    slot.handNames = res.hand;
    slot.added = res.added;
    runCount += res.chosen.length;
    handCount += res.hand.length;
  }

  // --- Request bodies: a valid request of a 2xx exchange, preferably one whose answer
  // became a response example of the operation.
  for (const req of requests.values()) {
    const media = req.node.content?.['application/json'];
    if (!media || (media.example === undefined && media.examples === undefined)) continue;
    const inResponses = new Set();
    for (const chosen of chosenBy.values()) for (const ch of chosen) if (ch.cand.key.startsWith(`${req.op} `)) inResponses.add(ch.cand.index);
    const res = fill(`${req.pointer}/content/application~1json`, media, req.candidates, (c) => c.requestBody, REQUEST_MARK, (c) =>
      inResponses.has(c.index) ? 0.25 : 0,
    );
    if (media.example !== undefined) setMark(req.pointer, REQUEST_MARK, res.chosen.length === 0, 'content');
    report.requests.push({ op: req.op, run: res.chosen, hand: res.hand, added: res.added });
  }

  // --- Apply the edits back to front and check the result.
  for (let i = edits.length - 1; i >= 0; i--) if (text.slice(edits[i][0], edits[i][1]) === edits[i][2]) edits.splice(i, 1);
  edits.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  for (let i = 1; i < edits.length; i++)
    if (edits[i][1] > edits[i - 1][0])
      throw new Error(`overlapping edits at ${edits[i][3]} and ${edits[i - 1][3]}`);
  let out = text;
  for (const [start, end, repl] of edits) out = out.slice(0, start) + repl + out.slice(end);

  const problems = [];
  const back = YAML.parseDocument(out);
  if (back.errors.length) problems.push(`the result does not parse: ${back.errors[0].message}`);
  else {
    const after = back.toJS({ maxAliasCount: -1 });
    const expect = (pointer, value) => {
      if (JSON.stringify(pointerGet(after, pointer)) !== JSON.stringify(value)) problems.push(`${pointer} did not come out as chosen`);
    };
    for (const slot of slots.values())
      for (const ch of chosenBy.get(slot.pointer) || []) {
        const p = `${slot.pointer}/content/application~1json/${ch.name === null ? 'example' : `examples/${esc(ch.name)}/value`}`;
        expect(p, ch.cand.responseBody);
        const sp = `${slot.pointer}/content/application~1json/schema`;
        if (!valid(sp, pointerGet(after, p)) || !lintValidator(sp)(pointerGet(after, p))) problems.push(`${p} does not match its schema`);
      }
    for (const r of report.requests)
      for (const ch of r.run) {
        const req = requests.get(r.op);
        const p = `${req.pointer}/content/application~1json/${ch.name === null ? 'example' : `examples/${esc(ch.name)}/value`}`;
        expect(p, ch.cand.requestBody);
      }
    // Nothing but examples and descriptions changed.
    const strip = (o) =>
      JSON.stringify(o, (k, v) => {
        if (k === 'example' || k === 'description') return undefined;
        if (k === 'examples' && v && typeof v === 'object' && !Array.isArray(v)) {
          const r = {};
          for (const n of Object.keys(v)) if (n !== RECORDED_NAME) r[n] = v[n] && typeof v[n] === 'object' ? { summary: v[n].summary } : v[n];
          return r;
        }
        return v;
      });
    if (strip(after) !== strip(doc)) problems.push('the result changes more than examples and descriptions');
    // No key or secret of the run is in what was written.
    const written = [];
    for (const slot of slots.values()) for (const ch of chosenBy.get(slot.pointer) || []) written.push(ch.cand.responseBody);
    for (const r of report.requests) for (const ch of r.run) written.push(ch.cand.requestBody);
    const secret = /\b(pk_[a-z0-9]+_(live|sandbox)_(?!0123)[0-9a-f]{4}|whsec_(?!0123)[0-9a-f]{8}|sig_(?!0123)[0-9a-f]{16})/;
    if (written.some((v) => secret.test(JSON.stringify(v))))
      problems.push('a key or secret of the run that is not a placeholder is in an example');
  }

  // --- Report.
  const log = (s) => process.stdout.write(`${s}\n`);
  log(`exchanges: ${exchanges.length} in ${files.length} files, ${used} usable as examples (HEAD and bodies off the schema left out)`);
  const byPair = { own: [], shared: [], hand: [], noBody: [] };
  for (const { key, slot: ptr } of pairs) {
    const chosen = chosenBy.get(ptr);
    if (!chosen) byPair.noBody.push(key);
    else if (!chosen.length) byPair.hand.push(key);
    else if (chosen.some((ch) => ch.cand.key === key)) byPair.own.push(key);
    else byPair.shared.push(`${key} (via ${ptr.replace('/components/responses/', '')})`);
  }
  log(`response examples: ${runCount} from the run, ${handCount} written by hand`);
  for (const slot of slots.values()) {
    const chosen = chosenBy.get(slot.pointer);
    if (!chosen) continue;
    for (const ch of chosen) log(`  run   ${slot.pointer}${ch.name ? ` [${ch.name}]` : ''} <- ${ch.cand.where}`);
    for (const name of slot.handNames || []) log(`  hand  ${slot.pointer}${name ? ` [${name}]` : ''}`);
  }
  log(`request examples:`);
  for (const r of report.requests) {
    for (const ch of r.run) log(`  run   ${r.op}${ch.name ? ` [${ch.name}]` : ''} <- ${ch.cand.where}`);
    for (const name of r.hand) log(`  hand  ${r.op}${name ? ` [${name}]` : ''}`);
  }
  log(`operation/status pairs: ${pairs.length} declared; ${byPair.own.length} show an answer of their own route from the run, ` +
      `${byPair.shared.length} a run's answer of another route through a shared response, ${byPair.hand.length} an example written by hand, ` +
      `${byPair.noBody.length} no body to show`);
  for (const k of byPair.shared) log(`  shared ${k}`);
  for (const k of byPair.hand) log(`  hand   ${k}`);
  for (const k of byPair.noBody) log(`  nobody ${k}`);

  if (problems.length) {
    for (const p of problems) log(`examples_from_run.mjs: ${p}`);
    log('examples_from_run.mjs: nothing written');
    process.exit(1);
  }
  if (dryRun) log(`dry run: ${edits.length} edits not written`);
  else if (out !== text) {
    fs.writeFileSync(specFile, out);
    log(`wrote ${specFile} (${edits.length} edits)`);
  } else log(`${specFile} unchanged`);
}

main().catch((e) => {
  process.stderr.write(`examples_from_run.mjs: ${e.stack || e.message}\n`);
  process.exit(2);
});
