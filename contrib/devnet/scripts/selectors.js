#!/usr/bin/env node
// Prints, as Markdown tables, every function (4-byte selector) and event (topic hash) of
// the compiled contracts, for docs/contracts.md. Run scripts/compile.js first.
"use strict";

const { ethers } = require("ethers");
const lib = require("./lib");

const names =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ["TestUSDC", "OAID", "SeniorPool", "SolvencyVault"];

function params(list) {
  return list.map((p) => (p.name ? `${p.type} ${p.name}` : p.type)).join(", ");
}

for (const name of names) {
  const art = lib.artifact(name);
  const iface = new ethers.Interface(art.abi);
  const out = [
    `### ${name}`,
    "",
    "| selector | signature | returns | mutability |",
    "| --- | --- | --- | --- |",
  ];
  const fns = [];
  iface.forEachFunction((f) => fns.push(f));
  fns.sort((a, b) => a.name.localeCompare(b.name));
  for (const f of fns) {
    // Computed here with id() and cross-checked against solc's own method identifiers.
    const sig = f.format("sighash");
    const selector = ethers.id(sig).slice(0, 10);
    if (`0x${art.methodIdentifiers[sig]}` !== selector)
      throw new Error(`selector mismatch for ${sig}`);
    out.push(
      `| \`${selector}\` | \`${sig}\` | ${params(f.outputs) || "-"} | ${f.stateMutability} |`,
    );
  }
  const evs = [];
  iface.forEachEvent((e) => evs.push(e));
  if (evs.length) {
    out.push("", "| topic0 | event | indexed |", "| --- | --- | --- |");
    for (const e of evs) {
      const idx = e.inputs
        .filter((i) => i.indexed)
        .map((i) => i.name)
        .join(", ");
      out.push(
        `| \`${ethers.id(e.format("sighash"))}\` | \`${e.format("sighash")}\` | ${idx || "-"} |`,
      );
    }
  }
  process.stdout.write(`${out.join("\n")}\n\n`);
}
