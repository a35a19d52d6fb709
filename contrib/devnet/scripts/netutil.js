#!/usr/bin/env node
// Small network helpers for up.sh, in node so that the scripts need no curl or ss:
//
//   netutil.js free-port            print a TCP port free on 127.0.0.1
//   netutil.js port-free PORT       exit 0 when PORT is free on 127.0.0.1, 1 when taken
//   netutil.js chain-id URL         print the node's eth_chainId (decimal), exit 1 on no answer
"use strict";

const net = require("net");

function listenOnce(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      const got = srv.address().port;
      srv.close(() => resolve(got));
    });
  });
}

async function chainId(url) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(2000),
  });
  const body = await res.json();
  if (!body || typeof body.result !== "string") throw new Error("no eth_chainId result");
  return BigInt(body.result).toString();
}

async function main(argv) {
  const [cmd, arg] = argv;
  if (cmd === "free-port" && argv.length === 1) {
    process.stdout.write(`${await listenOnce(0)}\n`);
    return 0;
  }
  if (cmd === "port-free" && /^[0-9]+$/.test(arg || "")) {
    try {
      await listenOnce(Number(arg));
      return 0;
    } catch {
      return 1;
    }
  }
  if (cmd === "chain-id" && arg) {
    try {
      process.stdout.write(`${await chainId(arg)}\n`);
      return 0;
    } catch {
      return 1;
    }
  }
  process.stderr.write("usage: netutil.js free-port | port-free PORT | chain-id URL\n");
  return 2;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc));
