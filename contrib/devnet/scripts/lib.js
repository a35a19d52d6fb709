// Helpers shared by deploy.js and selftest.js: the devnet's fixed accounts, the JSON-RPC
// provider, compiled artifacts and command-line options.
"use strict";

const fs = require("fs");
const path = require("path");
const { ethers } = require("ethers");

const CHAIN_ID = Number(process.env.LG_DEVNET_CHAIN_ID || 31337); // up.sh --chain-id
// Hardhat's default accounts; `hardhat node` funds each with 10000 ETH.
const MNEMONIC = "test test test test test test test test test test test junk";
const USDC_UNIT = 1_000_000n;

const ACCOUNT = Object.freeze({
  deployer: 0,
  platform: 1,
  settlement: [6, 7, 8, 9],
  inactivePositionUser: 10,
});

function wallet(index, provider) {
  const mnemonic = ethers.Mnemonic.fromPhrase(MNEMONIC);
  const w = ethers.HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`);
  return provider ? w.connect(provider) : w;
}

function provider(rpcUrl) {
  const network = new ethers.Network("devnet", CHAIN_ID);
  return new ethers.JsonRpcProvider(rpcUrl, network, {
    staticNetwork: network,
    batchMaxCount: 1,
    pollingInterval: 100,
    // ethers otherwise answers repeated identical calls (such as the pending nonce) from
    // a 250 ms cache, which hands out a stale nonce on an automining node.
    cacheTimeout: -1,
  });
}

// Fails unless the node really is the devnet chain, before anything is sent to it.
async function checkChain(p) {
  const id = BigInt(await p.send("eth_chainId", []));
  if (id !== BigInt(CHAIN_ID)) throw new Error(`node reports chainId ${id}, expected ${CHAIN_ID}`);
}

function artifact(name) {
  const file = path.resolve(__dirname, "..", "artifacts", `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`${file} missing: run scripts/compile.js first`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function contract(name, address, runner) {
  return new ethers.Contract(address, artifact(name).abi, runner);
}

// Parses `--name value` pairs; every option must be one of `known`.
function parseArgs(argv, known) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!argv[i].startsWith("--") || !known.includes(key) || i + 1 >= argv.length) {
      throw new Error(`usage: ${known.map((k) => `--${k} VALUE`).join(" ")}`);
    }
    out[key] = argv[i + 1];
  }
  return out;
}

function writeFileAtomic(file, text, mode) {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

module.exports = {
  ACCOUNT,
  CHAIN_ID,
  MNEMONIC,
  USDC_UNIT,
  artifact,
  checkChain,
  contract,
  parseArgs,
  provider,
  wallet,
  writeFileAtomic,
};
