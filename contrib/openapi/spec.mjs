// spec.mjs - what validate.mjs and examples_from_run.mjs both need of an OpenAPI
// document: JSON pointers, references, the path template a concrete path matches, and
// a parameter's text as its schema's type wants it.

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export const pointerKeys = (pointer) =>
  pointer.split('/').slice(1).map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
export const esc = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

export function pointerGet(doc, pointer) {
  if (pointer === '' || pointer === '/') return doc;
  let node = doc;
  for (const key of pointerKeys(pointer)) {
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

// Follows an OpenAPI Reference Object (responses, parameters, headers, request bodies)
// to its target; returns {node, pointer} with the JSON pointer of the target.
export function deref(doc, node, pointer) {
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#') || seen.has(ref)) throw new Error(`unresolvable $ref ${ref} at ${pointer}`);
    seen.add(ref);
    pointer = decodeURIComponent(ref.slice(1));
    node = pointerGet(doc, pointer);
    if (node === undefined) throw new Error(`$ref ${ref} points nowhere`);
  }
  return { node, pointer };
}

// The template a concrete path matches: literal segments win over {param} segments, left
// to right.
export function matcher(doc) {
  const templates = Object.keys(doc.paths || {}).map((template) => {
    const segs = template.split('/');
    return { template, segs, params: segs.map((s) => (/^\{[^}]+\}$/.test(s) ? s.slice(1, -1) : null)) };
  });
  const better = (a, b) => {
    for (let i = 0; i < a.params.length; i++) {
      const la = a.params[i] === null;
      const lb = b.params[i] === null;
      if (la !== lb) return la;
    }
    return false;
  };
  return (concrete) => {
    const segs = concrete.split('/').map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    let best = null;
    for (const t of templates) {
      if (t.segs.length !== segs.length) continue;
      if (!t.segs.every((s, i) => (t.params[i] ? segs[i] !== '' : s === segs[i]))) continue;
      if (!best || better(t, best)) best = t;
    }
    if (!best) return null;
    const values = {};
    best.params.forEach((name, i) => {
      if (name) values[name] = segs[i];
    });
    return { template: best.template, values };
  };
}

// A query or header text as its schema's type wants it (integer, number, boolean).
export function coerce(text, schema, doc) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 10; i++) s = pointerGet(doc, decodeURIComponent(s.$ref.slice(1)));
  const types = [].concat(s?.type || []);
  if ((types.includes('integer') || types.includes('number')) && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text))
    return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
