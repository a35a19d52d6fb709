// Hardhat is used here only as a local JSON-RPC node (`hardhat node`). Contracts are
// compiled by scripts/compile.js with solc-js, so nothing here may trigger a compiler
// download: the sources path points at an empty directory on purpose.
"use strict";

module.exports = {
  paths: {
    sources: "./cache/no-sources",
    artifacts: "./cache/hardhat-artifacts",
    cache: "./cache/hardhat",
  },
  networks: {
    hardhat: {
      chainId: Number(process.env.LG_DEVNET_CHAIN_ID || 31337), // up.sh --chain-id
      mining: { auto: true, interval: 0 },
      loggingEnabled: false,
      // Like a real node, accept a transaction that reverts, mine it with status 0 and
      // return its hash, instead of failing eth_sendRawTransaction.
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
    },
  },
};
