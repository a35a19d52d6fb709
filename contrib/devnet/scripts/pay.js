#!/usr/bin/env node
// pay.js - a partner's settlement wallet sends USDC to the platform wallet on the
// devnet, as a partner does before calling POST /partners/repay with the transfer's
// hash as repaymentTxHash. Prints the transaction hash once it is mined.
//
//   node scripts/pay.js --deployment FILE --amount BASE_UNITS [--settlement INDEX]
"use strict";

const fs = require("fs");
const lib = require("./lib");

async function main() {
  const args = lib.parseArgs(process.argv.slice(2), ["deployment", "amount", "settlement"]);
  if (!args.deployment || !args.amount) throw new Error("--deployment and --amount are required");
  if (!/^[1-9][0-9]*$/.test(args.amount)) throw new Error("--amount: USDC base units, digits only");
  const d = JSON.parse(fs.readFileSync(args.deployment, "utf8"));
  const index = Number(args.settlement || 0);
  const from = d.settlement[index];
  if (!from) throw new Error(`--settlement: no settlement wallet ${index}`);
  const p = lib.provider(d.rpcUrl);
  await lib.checkChain(p);
  const signer = new (require("ethers").Wallet)(from.privateKey, p);
  const usdc = lib.contract("TestUSDC", d.contracts.usdc, signer);
  const tx = await usdc.transfer(d.platform.address, BigInt(args.amount));
  const receipt = await tx.wait();
  if (receipt.status !== 1) throw new Error(`transfer ${tx.hash} reverted`);
  console.log(tx.hash);
}

main().catch((e) => {
  console.error(`pay: ${e.message}`);
  process.exit(1);
});
