#!/usr/bin/env node
// build-docs.mjs - the API reference page: docs/openapi.yaml rendered by Redoc (the
// pinned Redocly CLI's `build-docs`) into one self-contained HTML file that loads
// nothing from anywhere: the Redoc bundle, the styles and the contract are all inline.
//
//   node contrib/openapi/build-docs.mjs SPEC OUT.html
//
// `redocly build-docs` prerenders the page but makes it load Redoc's script from a CDN
// to hydrate it; this puts the same version of that script, from node_modules, inline in
// its place, then refuses the page if anything in it would still be fetched from
// elsewhere (a script, stylesheet, font, image or frame with an http(s): or //
// address, a CSS @import or url() outside the page). The fonts are the reader's own
// (system-ui), not Google's. No network use: telemetry and update checks are off.
// make builds it (etc/local.mk); exit 0 written, 1 refused or failed, 2 usage or set-up.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "package.json"));

function die(code, msg) {
  process.stderr.write(`build-docs: ${msg}\n`);
  process.exit(code);
}

const [spec, out] = process.argv.slice(2);
if (!spec || !out || process.argv.length !== 4) die(2, "usage: build-docs.mjs SPEC OUT.html");
if (!existsSync(spec)) die(2, `no such file: ${spec}`);

let cli, bundle, redocVersion, cliRedocVersion;
try {
  cli = require.resolve("@redocly/cli/bin/cli.js");
  bundle = require.resolve("redoc/bundles/redoc.standalone.js");
  redocVersion = require("redoc/package.json").version;
  cliRedocVersion = require("@redocly/cli/package.json").dependencies.redoc;
} catch (e) {
  die(2, `the pinned tools are not installed (npm ci --prefix ${here}): ${e.message}`);
}
// The CLI names the CDN bundle of the Redoc version it declares; the inline one must be
// the same code the page was prerendered with.
if (cliRedocVersion !== redocVersion) {
  die(2, `@redocly/cli wants redoc ${cliRedocVersion}, node_modules has ${redocVersion}`);
}

const tmp = `${out}.redoc.tmp`;
const env = {
  ...process.env,
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  NO_COLOR: "1",
};
const font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const mono = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const r = spawnSync(
  process.execPath,
  [
    cli, "build-docs", spec,
    "--output", tmp,
    "--template", join(here, "docs-template.hbs"),
    "--title", "lendgate API reference",
    "--disableGoogleFont",
    `--theme.openapi.theme.typography.fontFamily=${font}`,
    `--theme.openapi.theme.typography.headings.fontFamily=${font}`,
    `--theme.openapi.theme.typography.code.fontFamily=${mono}`,
    "--theme.openapi.jsonSampleExpandLevel=3",
    // Redoc's download button renders differently in the browser than in the
    // prerendered page, so React discards the page and logs hydration errors (#418,
    // #423: Redocly/redocly-cli#2113). The contract itself is installed beside the page.
    "--theme.openapi.hideDownloadButton=true",
  ],
  { env, encoding: "utf8" },
);
if (r.status !== 0 || !existsSync(tmp)) {
  process.stderr.write((r.stdout || "") + (r.stderr || ""));
  rmSync(tmp, { force: true });
  die(1, `redocly build-docs failed (exit ${r.status})`);
}
let html = readFileSync(tmp, "utf8");
rmSync(tmp, { force: true });

const cdn = `<script src="https://cdn.redocly.com/redoc/v${redocVersion}/bundles/redoc.standalone.js"></script>`;
const at = html.indexOf(cdn);
if (at < 0 || html.indexOf(cdn, at + 1) >= 0) {
  die(1, `expected the CDN script tag once in the page: ${cdn}`);
}
let js = readFileSync(bundle, "utf8");
// What the bundle itself fetches once running, put in terms of the page: the menu's
// "API docs by Redocly" logo comes from Redocly's CDN; an empty data: image fails to
// decode instead, and the logo component then renders nothing (its onError).
const patches = [['src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 'src:"data:,"']];
for (const [from, to] of patches) {
  if (js.split(from).length !== 2) die(1, `expected ${from} once in the Redoc bundle`);
  js = js.replace(from, to);
}
// HTML reads a script's text until "</script"; after "<!--" a "<script" hides the next
// "</script" until "-->" (HTML's script data states). The bundle holds "<!--" in Prism's
// regular expressions; it must still end exactly at the closing tag put after it.
function endsCleanly(text) {
  let state = "data"; // data, escaped, double (double-escaped)
  const re = /<!--|-->|<script(?=[\s/>])|<\/script(?=[\s/>])/gi;
  for (let m; (m = re.exec(text)); ) {
    const t = m[0].toLowerCase();
    if (t === "</script") {
      if (state !== "double") return false;
      state = "escaped";
    } else if (t === "<script") {
      if (state === "escaped") state = "double";
    } else if (t === "<!--") {
      if (state === "data" && text[re.lastIndex] !== ">") state = "escaped";
    } else if (state !== "data") {
      state = "data";
    }
  }
  return state !== "double";
}
if (!endsCleanly(js)) die(1, "the Redoc bundle would not end at its </script>: cannot inline it");
html = html.slice(0, at) + `<script>${js}</script>` + html.slice(at + cdn.length);

// Anything the browser would fetch from outside the page.
const external = [];
const remote = /^\s*(?:https?:)?\/\//i;
for (const m of html.matchAll(/<(script|link|img|iframe|source|embed|object|audio|video)\b[^>]*>/gi)) {
  for (const a of m[0].matchAll(/\b(src|href|data|srcset|poster)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    const v = a[3] ?? a[4] ?? a[5];
    if (remote.test(v)) external.push(`<${m[1]} ${a[1]}="${v}">`);
  }
}
for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) {
  for (const u of m[1].matchAll(/@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)/gi)) {
    const v = u[1] ?? u[2];
    if (remote.test(v)) external.push(`CSS ${v}`);
  }
}
if (external.length) die(1, `the page would load from elsewhere: ${external.join(", ")}`);

writeFileSync(out, html);
process.stdout.write(`build-docs: ${out}: ${Math.round(html.length / 1024)} KiB, Redoc ${redocVersion} inline\n`);
