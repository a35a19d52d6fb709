#!/usr/bin/env node
// Drives a running devnet as lendgate does: the platform wallet borrows and repays for
// the seeded users through the vault, and every rule that lendgate relies on (revert
// reasons, balances, credit used, events, manual mining) is checked against the chain.
// Also checks that docs/contracts.md lists every function and event with the right selector.
//
//   node scripts/selftest.js --deployment FILE --platform-key FILE
//
// Run it on a freshly seeded devnet; it leaves the chain as it found it (evm_snapshot).
// Prints one line per check and a closing "N passed, N failed" line; exits 1 on a failure.
"use strict";

const fs = require("fs");
const path = require("path");
const { ethers } = require("ethers");
const lib = require("./lib");

const U = lib.USDC_UNIT;
let passed = 0;
let failed = 0;

function check(name, cond, detail) {
  if (cond) {
    passed++;
    process.stdout.write(`ok - ${name}\n`);
  } else {
    failed++;
    process.stdout.write(`not ok - ${name}${detail ? `: ${detail}` : ""}\n`);
  }
}

function eq(name, got, want) {
  check(name, got === want, `got ${got}, want ${want}`);
}

// The revert reason of a call, or null when it succeeds.
async function revertReason(fn) {
  try {
    await fn();
    return null;
  } catch (err) {
    return err.reason || err.shortMessage || err.message;
  }
}

function loadState(args) {
  const d = JSON.parse(fs.readFileSync(args.deployment, "utf8"));
  const key = fs.readFileSync(args["platform-key"], "utf8");
  const mode = fs.statSync(args["platform-key"]).mode & 0o777;
  check("platform.key is 64 hex digits and a newline", /^[0-9a-f]{64}\n$/.test(key));
  eq("platform.key has mode 0600", mode.toString(8), "600");
  eq("deployment chainId", d.chainId, lib.CHAIN_ID);
  return { d, key: `0x${key.trim()}` };
}

function contracts(d, runner) {
  return {
    usdc: lib.contract("TestUSDC", d.contracts.usdc, runner),
    oaid: lib.contract("OAID", d.contracts.oaid, runner),
    vault: lib.contract("SolvencyVault", d.contracts.vault, runner),
    pool: lib.contract("SeniorPool", d.contracts.pool, runner),
  };
}

function user(d, pred, what) {
  const u = d.users.find(pred);
  if (!u) throw new Error(`deployment has no ${what} user`);
  return u;
}

async function checkSeed(c, d, platform) {
  eq("USDC decimals", Number(await c.usdc.decimals()), 6);
  eq("USDC symbol", await c.usdc.symbol(), "USDC");
  eq("USDC name", await c.usdc.name(), "USD Coin (test)");
  eq("pool liquidity", await c.pool.available(), 10_000_000n * U);
  eq("OAID vault wired", await c.oaid.vault(), d.contracts.vault);
  eq("pool vault wired", await c.pool.vault(), d.contracts.vault);
  for (const s of d.settlement) {
    eq(`settlement ${s.address} float`, await c.usdc.balanceOf(s.address), 1_000_000n * U);
  }
  for (const u of d.users) {
    const [limit, used, active] = await c.oaid.getCreditLine(u.oaid);
    const pos = await c.vault.getPosition(u.positionId);
    check(
      `user #${u.account} seeded as described`,
      (await c.oaid.ownerOf(u.oaid)) === u.address &&
        limit === BigInt(u.creditLimit) &&
        used === 0n &&
        active === u.active &&
        Number(await c.vault.positionOf(u.oaid)) === u.positionId &&
        pos.user === u.address &&
        pos.active === u.positionActive &&
        Number(pos.tokenType) === u.tokenType &&
        pos.healthFactor === ethers.MaxUint256 &&
        (await c.vault.isOperator(u.address, platform.address)),
    );
  }
  const unknown = await revertReason(() => c.oaid.ownerOf(999));
  eq("ownerOf(unknown) reverts", unknown, "OAID: invalid token");
}

async function checkBorrowRepay(c, d, platform) {
  const u = user(d, (x) => x.account === 2, "#2");
  const amount = 1_000n * U;
  const before = await c.usdc.balanceOf(platform.address);
  const poolBefore = await c.pool.available();
  const tx = await c.vault.borrowUSDC(u.positionId, amount);
  const rcpt = await tx.wait();
  eq("borrow mined", rcpt.status, 1);
  const got = (await c.usdc.balanceOf(platform.address)) - before;
  eq("borrowed USDC reaches the platform wallet", got, amount);
  eq("pool paid it out", poolBefore - (await c.pool.available()), amount);
  eq("OAID used increased", (await c.oaid.getCreditLine(u.oaid))[1], amount);
  const pos = await c.vault.getPosition(u.positionId);
  eq("position usdcBorrowed", pos.usdcBorrowed, amount);
  const hf = (((BigInt(u.collateralValue) * 7000n) / 10000n) * 10n ** 18n) / amount;
  eq("health factor formula", pos.healthFactor, hf);
  const ev = rcpt.logs
    .map((l) => c.vault.interface.parseLog(l))
    .find((e) => e && e.name === "Borrowed");
  check(
    "Borrowed event",
    ev &&
      Number(ev.args.positionId) === u.positionId &&
      ev.args.operator === platform.address &&
      ev.args.amount === amount,
  );

  eq(
    "repay above debt reverts",
    await revertReason(() => c.vault.repayLoan.staticCall(u.positionId, amount + 1n)),
    "Vault: repay exceeds debt",
  );
  eq(
    "repay without allowance reverts",
    await revertReason(() => c.vault.repayLoan.staticCall(u.positionId, amount)),
    "ERC20: insufficient allowance",
  );
  await (await c.usdc.approve(d.contracts.vault, amount)).wait();
  const r2 = await (await c.vault.repayLoan(u.positionId, amount)).wait();
  eq("repay mined", r2.status, 1);
  eq("OAID used back to 0", (await c.oaid.getCreditLine(u.oaid))[1], 0n);
  eq("pool liquidity restored", await c.pool.available(), poolBefore);
  eq("debt cleared", (await c.vault.getPosition(u.positionId)).healthFactor, ethers.MaxUint256);
  check(
    "Repaid event",
    r2.logs.some((l) => {
      const e = c.vault.interface.parseLog(l);
      return (
        e && e.name === "Repaid" && e.args.payer === platform.address && e.args.amount === amount
      );
    }),
  );
}

// A price move makes the position unhealthy; anyone may then liquidate it, which
// clears its debt and the OAID's used credit and closes the position.
async function checkLiquidation(c, d, p, platform) {
  const u = user(d, (x) => x.account === 2, "#2");
  const owner = lib.wallet(lib.ACCOUNT.deployer, p);
  const vaultAsOwner = lib.contract("SolvencyVault", d.contracts.vault, owner);
  const amount = 1_000n * U;
  await (await c.vault.borrowUSDC(u.positionId, amount)).wait();
  eq(
    "liquidating a healthy position reverts",
    await revertReason(() => c.vault.liquidate.staticCall(u.positionId)),
    "Vault: position healthy",
  );
  eq(
    "setCollateralValue is the owner's",
    await revertReason(() => c.vault.setCollateralValue.staticCall(u.positionId, 1n)),
    "Owned: caller is not the owner",
  );
  // maxBorrow = value * 70% < amount: health factor below 1e18.
  await (await vaultAsOwner.setCollateralValue(u.positionId, amount)).wait();
  const pos = await c.vault.getPosition(u.positionId);
  check("health factor below 1e18 after the price move", pos.healthFactor < 10n ** 18n);
  const r = await (await c.vault.liquidate(u.positionId)).wait();
  eq("liquidate mined", r.status, 1);
  const after = await c.vault.getPosition(u.positionId);
  eq("liquidation clears the debt", after.usdcBorrowed, 0n);
  eq("liquidation closes the position", after.active, false);
  eq("liquidation frees the credit line", (await c.oaid.getCreditLine(u.oaid))[1], 0n);
  check(
    "Liquidated event",
    r.logs.some((l) => {
      const e = c.vault.interface.parseLog(l);
      return (
        e &&
        e.name === "Liquidated" &&
        Number(e.args.positionId) === u.positionId &&
        e.args.user === after.user &&
        e.args.debtCleared === amount
      );
    }),
  );
}

async function checkReverts(c, d, settlementWallet) {
  const inactiveLine = user(d, (x) => !x.active, "inactive credit line");
  const inactivePos = user(d, (x) => !x.positionActive, "inactive position");
  const small = user(d, (x) => x.account === 3, "#3");
  const ltv = user(d, (x) => x.account === 5, "#5");
  const borrow = (pos, amount, signer) =>
    revertReason(() =>
      (signer ? c.vault.connect(signer) : c.vault).borrowUSDC.staticCall(pos, amount),
    );
  const cases = [
    ["inactive credit line", inactiveLine.positionId, U, "Vault: credit line inactive"],
    ["inactive position", inactivePos.positionId, U, "Vault: position inactive"],
    [
      "above credit",
      small.positionId,
      BigInt(small.creditLimit) + 1n,
      "Vault: insufficient credit",
    ],
    ["above LTV", ltv.positionId, BigInt(ltv.maxBorrow) + 1n, "Vault: exceeds LTV"],
    ["zero amount", small.positionId, 0n, "Vault: zero amount"],
    ["unknown position", 999, U, "Vault: invalid position"],
  ];
  for (const [name, pos, amount, want] of cases) {
    eq(`borrow revert: ${name}`, await borrow(pos, amount), want);
  }
  eq(
    "borrow revert: not authorized",
    await borrow(small.positionId, U, settlementWallet),
    "Vault: not authorized",
  );
  eq("LTV bound itself is borrowable", await borrow(ltv.positionId, BigInt(ltv.maxBorrow)), null);

  // A reverting transaction is still mined (fixed gas, so no estimate stops it): this is
  // what lendgate sees when a borrow it broadcast fails on chain. Replaying the call at
  // the receipt's block gives the reason.
  const tx = await c.vault.borrowUSDC(inactiveLine.positionId, U, { gasLimit: 300000 });
  const rcpt = await tx.provider.getTransactionReceipt(tx.hash);
  eq("mined revert has status 0", rcpt && rcpt.status, 0);
  eq(
    "replay at the receipt's block gives the reason",
    await revertReason(() =>
      c.vault.borrowUSDC.staticCall(inactiveLine.positionId, U, { blockTag: rcpt.blockNumber }),
    ),
    "Vault: credit line inactive",
  );
}

async function checkSettlementAndMining(c, d, p, settlementWallet, platform) {
  const amount = 250n * U;
  const before = await c.usdc.balanceOf(platform.address);
  await p.send("evm_setAutomine", [false]);
  try {
    const usdc = c.usdc.connect(settlementWallet);
    const tx = await usdc.transfer(platform.address, amount, { gasLimit: 100000 });
    eq(
      "with automine off the transfer stays pending",
      await p.getTransactionReceipt(tx.hash),
      null,
    );
    await p.send("evm_mine", []);
    const rcpt = await p.getTransactionReceipt(tx.hash);
    eq("evm_mine mines it", rcpt && rcpt.status, 1);
  } finally {
    await p.send("evm_setAutomine", [true]);
  }
  const got = (await c.usdc.balanceOf(platform.address)) - before;
  eq("settlement transfer reaches the platform wallet", got, amount);
}

// Every function and event of the four ABIs must appear in docs/contracts.md next to
// its selector (first 4 bytes of keccak256 of the signature) or topic.
function checkDocs() {
  const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/contracts.md"), "utf8");
  const listed = (hash, sig) => doc.includes(`\`${hash}\` | \`${sig}\``);
  for (const name of ["TestUSDC", "OAID", "SeniorPool", "SolvencyVault"]) {
    const iface = new ethers.Interface(lib.artifact(name).abi);
    const missing = [];
    iface.forEachFunction((f) => {
      if (!listed(f.selector, f.format("sighash"))) missing.push(f.format("sighash"));
    });
    iface.forEachEvent((e) => {
      if (!listed(e.topicHash, e.format("sighash"))) missing.push(e.format("sighash"));
    });
    check(
      `docs/contracts.md lists ${name} with selectors`,
      missing.length === 0,
      missing.join(", "),
    );
  }
}

// Every revert string in the sources must be documented, since lendgate matches them.
function checkRevertStringsDocumented() {
  const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/contracts.md"), "utf8");
  const dir = path.resolve(__dirname, "../contracts");
  const missing = [];
  let count = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".sol"))) {
    const src = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of src.matchAll(/require\([^;]*?,\s*"([^"]+)"\s*\)/g)) {
      count++;
      if (!doc.includes(`\`${m[1]}\``)) missing.push(m[1]);
    }
  }
  check(
    `docs/contracts.md lists all ${count} revert strings`,
    count > 20 && missing.length === 0,
    missing.join(", "),
  );
}

async function main() {
  const args = lib.parseArgs(process.argv.slice(2), ["deployment", "platform-key"]);
  if (!args.deployment || !args["platform-key"]) {
    throw new Error("--deployment and --platform-key are required");
  }
  const { d, key } = loadState(args);
  const p = lib.provider(d.rpcUrl);
  let snapshot = null;
  try {
    await lib.checkChain(p);
    // The chain is put back as seeded afterwards, so the devnet stays usable by tests.
    snapshot = await p.send("evm_snapshot", []);
    const platform = new ethers.Wallet(key, p);
    eq("platform key matches platform address", platform.address, d.platform.address);
    const settlementWallet = new ethers.Wallet(d.settlement[0].privateKey, p);
    const c = contracts(d, platform);
    await checkSeed(c, d, platform);
    await checkBorrowRepay(c, d, platform);
    await checkReverts(c, d, settlementWallet);
    await checkSettlementAndMining(c, d, p, settlementWallet, platform);
    checkDocs();
    checkRevertStringsDocumented();
    // Last: it closes user #2's position (the snapshot below puts it back).
    await checkLiquidation(c, d, p, platform);
  } finally {
    if (snapshot !== null)
      check("chain reverted to the seeded state", await p.send("evm_revert", [snapshot]));
    p.destroy();
  }
}

main()
  .catch((err) => {
    failed++;
    process.stdout.write(`not ok - selftest aborted: ${err.message}\n`);
  })
  .finally(() => {
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    process.exitCode = failed === 0 ? 0 : 1;
  });
