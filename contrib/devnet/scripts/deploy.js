#!/usr/bin/env node
// Deploys the four development contracts to a devnet node, wires them together and seeds
// the accounts lendgate's tests use, then writes the deployment description and the
// platform wallet's key file.
//
//   node scripts/deploy.js --rpc URL --out FILE [--platform-key FILE]
//
// The key file defaults to platform.key beside FILE and holds 64 hex digits and a newline,
// mode 0600. See docs/contracts.md for the layout of FILE.
"use strict";

const path = require("path");
const { ethers } = require("ethers");
const lib = require("./lib");

const U = lib.USDC_UNIT;
const POOL_LIQUIDITY = 10_000_000n * U;
const SETTLEMENT_FLOAT = 1_000_000n * U;
const RWA = 0;
const PRIVATE = 1;

// Collateral is never moved by the development vault, so a collateral token is just a
// stable, recognisable address.
const COLLATERAL = {
  [RWA]: ethers.getAddress(ethers.dataSlice(ethers.id("devnet RWA"), 12)),
  [PRIVATE]: ethers.getAddress(ethers.dataSlice(ethers.id("devnet private asset"), 12)),
};

// Every line but #5's has collateral far above its credit limit, so the credit line is what
// binds; #5 can borrow at most 90,000 of its 100,000 because of the 60% LTV.
const USERS = [
  { account: 2, creditLimit: 50_000n, active: true, tokenType: RWA, collateralValue: 1_000_000n },
  { account: 3, creditLimit: 10_000n, active: true, tokenType: PRIVATE, collateralValue: 100_000n },
  { account: 4, creditLimit: 25_000n, active: false, tokenType: RWA, collateralValue: 500_000n },
  {
    account: 5,
    creditLimit: 100_000n,
    active: true,
    tokenType: PRIVATE,
    collateralValue: 150_000n,
  },
  {
    account: lib.ACCOUNT.inactivePositionUser,
    creditLimit: 20_000n,
    active: true,
    tokenType: RWA,
    collateralValue: 200_000n,
    positionActive: false,
  },
];

async function send(what, txPromise) {
  let receipt;
  try {
    const tx = await txPromise;
    receipt = await tx.wait();
  } catch (err) {
    throw new Error(`${what}: ${err.shortMessage || err.message}`);
  }
  if (!receipt || receipt.status !== 1) throw new Error(`${what}: transaction failed`);
  return receipt;
}

function eventArg(receipt, c, eventName, arg) {
  for (const log of receipt.logs) {
    let parsed = null;
    try {
      parsed = c.interface.parseLog(log);
    } catch {
      continue;
    }
    if (parsed && parsed.name === eventName) return parsed.args[arg];
  }
  throw new Error(`no ${eventName} event in ${receipt.hash}`);
}

async function deployOne(name, signer, args) {
  const a = lib.artifact(name);
  const factory = new ethers.ContractFactory(a.abi, a.bytecode, signer);
  let c;
  try {
    c = await factory.deploy(...args);
    await c.waitForDeployment();
  } catch (err) {
    throw new Error(`deploy ${name}: ${err.shortMessage || err.message}`);
  }
  return c;
}

async function deployAll(deployer) {
  const usdc = await deployOne("TestUSDC", deployer, []);
  const oaid = await deployOne("OAID", deployer, []);
  const pool = await deployOne("SeniorPool", deployer, [await usdc.getAddress()]);
  const vault = await deployOne("SolvencyVault", deployer, [
    await oaid.getAddress(),
    await usdc.getAddress(),
    await pool.getAddress(),
  ]);
  const vaultAddr = await vault.getAddress();
  await send("OAID.setVault", oaid.setVault(vaultAddr));
  await send("SeniorPool.setVault", pool.setVault(vaultAddr));
  return { usdc, oaid, pool, vault };
}

async function seedUser(c, spec, platform, p) {
  const user = lib.wallet(spec.account, p);
  const limit = spec.creditLimit * U;
  const value = spec.collateralValue * U;
  const collateralToken = COLLATERAL[spec.tokenType];
  const minted = await send(`OAID.mint #${spec.account}`, c.oaid.mint(user.address, limit));
  const tokenId = eventArg(minted, c.oaid, "Transfer", "tokenId");
  const vault = c.vault.connect(user);
  const opened = await send(
    `openPosition #${spec.account}`,
    vault.openPosition(tokenId, collateralToken, value / U, value, spec.tokenType),
  );
  const positionId = eventArg(opened, c.vault, "PositionOpened", "positionId");
  await send(`setOperator #${spec.account}`, vault.setOperator(platform.address, true));
  if (!spec.active) {
    await send(`setCreditLineActive #${spec.account}`, c.oaid.setCreditLineActive(tokenId, false));
  }
  const positionActive = spec.positionActive !== false;
  if (!positionActive) {
    await send(`setPositionActive #${spec.account}`, c.vault.setPositionActive(positionId, false));
  }
  return {
    account: spec.account,
    address: user.address,
    privateKey: user.privateKey,
    oaid: Number(tokenId),
    positionId: Number(positionId),
    creditLimit: Number(limit),
    tokenType: spec.tokenType,
    active: spec.active,
    positionActive,
    collateralToken,
    collateralAmount: Number(value / U),
    collateralValue: Number(value),
    maxBorrow: Number(await c.vault.maxBorrow(positionId)),
  };
}

async function seed(c, platform, p) {
  await send("mint pool liquidity", c.usdc.mint(await c.pool.getAddress(), POOL_LIQUIDITY));
  const settlement = [];
  for (const i of lib.ACCOUNT.settlement) {
    const w = lib.wallet(i, p);
    await send(`mint settlement #${i}`, c.usdc.mint(w.address, SETTLEMENT_FLOAT));
    settlement.push({ account: i, address: w.address, privateKey: w.privateKey });
  }
  const users = [];
  for (const spec of USERS) users.push(await seedUser(c, spec, platform, p));
  return { users, settlement };
}

async function main() {
  const args = lib.parseArgs(process.argv.slice(2), ["rpc", "out", "platform-key"]);
  if (!args.rpc || !args.out) throw new Error("--rpc URL and --out FILE are required");
  const outFile = path.resolve(args.out);
  const keyFile = path.resolve(
    args["platform-key"] || path.join(path.dirname(outFile), "platform.key"),
  );

  const p = lib.provider(args.rpc);
  try {
    await lib.checkChain(p);
    const deployer = lib.wallet(lib.ACCOUNT.deployer, p);
    const platform = lib.wallet(lib.ACCOUNT.platform, p);
    const nodeAccounts = await p.send("eth_accounts", []);
    if (nodeAccounts.length > 0 && ethers.getAddress(nodeAccounts[0]) !== deployer.address) {
      throw new Error("node's account #0 is not the Hardhat default: wrong mnemonic?");
    }

    const c = await deployAll(deployer);
    const { users, settlement } = await seed(c, platform, p);

    lib.writeFileAtomic(keyFile, `${platform.privateKey.slice(2)}\n`, 0o600);
    const deployment = {
      chainId: lib.CHAIN_ID,
      rpcUrl: args.rpc,
      contracts: {
        usdc: await c.usdc.getAddress(),
        oaid: await c.oaid.getAddress(),
        vault: await c.vault.getAddress(),
        pool: await c.pool.getAddress(),
      },
      deployer: deployer.address,
      platform: { address: platform.address, keyFile },
      users,
      settlement,
      ltvBps: { 0: 7000, 1: 6000 },
      blockNumber: await p.getBlockNumber(),
    };
    lib.writeFileAtomic(outFile, `${JSON.stringify(deployment, null, 2)}\n`, 0o644);
  } finally {
    p.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`deploy.js: ${err.message}\n`);
  process.exit(1);
});
