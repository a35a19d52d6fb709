#!/usr/bin/env node
// Compiles contracts/*.sol with solc-js (the compiler ships inside the npm package, so
// nothing is downloaded) and writes artifacts/<Name>.json with abi and bytecode.
// Skips the work when the sources, compiler and settings are unchanged since the last
// successful run (artifacts/.stamp.json). Any compiler error or warning fails the run.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const root = path.resolve(__dirname, "..");
const srcDir = path.join(root, "contracts");
const outDir = path.join(root, "artifacts");
const stampFile = path.join(outDir, ".stamp.json");

const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: {
    "*": {
      "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"],
    },
  },
};

function readSources() {
  const names = fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith(".sol"))
    .sort();
  if (names.length === 0) throw new Error(`no .sol files in ${srcDir}`);
  const sources = {};
  for (const n of names) sources[n] = { content: fs.readFileSync(path.join(srcDir, n), "utf8") };
  return sources;
}

function inputsHash(sources) {
  const h = crypto.createHash("sha256");
  h.update(solc.version());
  h.update(JSON.stringify(settings));
  for (const [n, s] of Object.entries(sources)) h.update(`${n}\0${s.content}\0`);
  return h.digest("hex");
}

// Imports are only ever siblings in contracts/; anything else is a mistake.
function findImports(p) {
  const file = path.join(srcDir, path.basename(p));
  if (!fs.existsSync(file)) return { error: `import not found: ${p}` };
  return { contents: fs.readFileSync(file, "utf8") };
}

// The stamp names the artifacts it vouches for, so a deleted artifact forces a rebuild.
function upToDate(hash) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
  } catch {
    return false;
  }
  return (
    stamp.hash === hash &&
    Array.isArray(stamp.artifacts) &&
    stamp.artifacts.every((n) => fs.existsSync(path.join(outDir, `${n}.json`)))
  );
}

function writeAtomic(file, text) {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function main() {
  const force = process.argv.includes("--force");
  const sources = readSources();
  const hash = inputsHash(sources);
  if (!force && upToDate(hash)) return;

  const input = { language: "Solidity", sources, settings };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const problems = output.errors || [];
  for (const e of problems) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (problems.some((e) => e.severity === "error" || e.severity === "warning")) {
    throw new Error(`solc ${solc.version()} reported ${problems.length} problem(s)`);
  }

  fs.mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const [file, contracts] of Object.entries(output.contracts || {})) {
    for (const [name, c] of Object.entries(contracts)) {
      // Interfaces and abstract bases have no bytecode and are not deployed.
      if (!c.evm.bytecode.object) continue;
      const artifact = {
        contractName: name,
        sourceName: `contracts/${file}`,
        compiler: solc.version(),
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        methodIdentifiers: c.evm.methodIdentifiers,
      };
      writeAtomic(path.join(outDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
      written.push(name);
    }
  }
  if (written.length === 0) throw new Error("compiler produced no deployable contract");
  writeAtomic(stampFile, `${JSON.stringify({ hash, artifacts: written })}\n`);
  process.stdout.write(`compiled ${written.length} contract(s) with solc ${solc.version()}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`compile.js: ${err.message}\n`);
  process.exit(1);
}
