#!/usr/bin/env python3
"""chain.py - reads the devnet for the HTTP integration tests, by raw JSON-RPC on
$LG_RPC_URL, so a test checks the chain without going through lendgate's own code.

  chain.py block                          the latest block number
  chain.py balance TOKEN HOLDER           ERC-20 balanceOf(HOLDER), base units
  chain.py borrowed VAULT POSITION        the vault's usdcBorrowed of POSITION
  chain.py logs ADDRESS TOPIC0 FROM [T1 [T2]]
                                          "COUNT SUM": logs of ADDRESS since block FROM
                                          whose topics match (T1/T2 an address or a
                                          decimal number, '-' for any); SUM adds the
                                          first data word of each
  chain.py transfer TOKEN FROM TO AMOUNT  ERC-20 transfer sent from an account the node
                                          holds (the seeded settlement wallets); prints
                                          the hash once mined, fails if it reverted
  chain.py collateral VAULT POSITION VALUE
                                          setCollateralValue(POSITION, VALUE) sent by the
                                          vault's owner (the node's account #0): a price
                                          move; prints the hash once mined
  chain.py liquidate VAULT POSITION       liquidate(POSITION) sent by the node's account
                                          #0; prints the hash once mined
  chain.py rpc METHOD [JSON_PARAMS]       any call; prints its result as JSON
  chain.py setbalance TOKEN HOLDER AMOUNT ERC-20 balance of HOLDER written straight
                                          into the token's storage (Hardhat), without a
                                          transaction: HOLDER's nonce does not move.
                                          HOLDER must hold some already (that is how
                                          the balances mapping's slot is found)
  chain.py setallowance TOKEN OWNER SPENDER AMOUNT
                                          the same for allowance(OWNER, SPENDER): the
                                          mapping declared right after the balances
                                          (TestUSDC's layout); AMOUNT "max" is 2^256-1
"""
import json
import os
import sys
import time
import urllib.request

# Loopback only: a configured proxy must never see the devnet's traffic.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    req = urllib.request.Request(os.environ["LG_RPC_URL"], body.encode(),
                                 {"Content-Type": "application/json"})
    with _opener.open(req, timeout=30) as r:
        answer = json.load(r)
    if "error" in answer:
        raise SystemExit("chain.py: %s: %s" % (method, answer["error"]))
    return answer["result"]


def word(value):
    """A 32-byte topic or argument word from an address or a decimal number."""
    if value.startswith("0x"):
        return "0x" + value[2:].lower().rjust(64, "0")
    return "0x%064x" % int(value)


def call(to, selector, *args):
    data = selector + "".join(word(a)[2:] for a in args)
    return rpc("eth_call", [{"to": to, "data": data}, "latest"])


def send(what, sender, to, data):
    tx = rpc("eth_sendTransaction", [{"from": sender, "to": to, "data": data, "gas": "0x30000"}])
    for _ in range(300):
        receipt = rpc("eth_getTransactionReceipt", [tx])
        if receipt:
            if int(receipt["status"], 16) != 1:
                raise SystemExit("chain.py: %s %s reverted" % (what, tx))
            return tx
        time.sleep(0.1)
    raise SystemExit("chain.py: %s %s not mined in 30 s" % (what, tx))


def transfer(token, sender, to, amount):
    return send("transfer", sender, token, "0xa9059cbb" + word(to)[2:] + word(amount)[2:])


def owner_account():
    # The devnet deploys with the node's account #0, which owns the vault.
    return rpc("eth_accounts", [])[0]


def set_collateral(vault, position, value):
    data = "0xf29bdf70" + word(position)[2:] + word(value)[2:]
    return send("setCollateralValue", owner_account(), vault, data)


def liquidate(vault, position):
    return send("liquidate", owner_account(), vault, "0x415f1240" + word(position)[2:])


def balances_slot(token, holder):
    have = int(call(token, "0x70a08231", holder), 16)
    if have == 0:
        raise SystemExit("chain.py: the holder needs a balance to find the mapping")
    for slot in range(32):
        key = rpc("web3_sha3", [word(holder) + word(str(slot))[2:]])
        if int(rpc("eth_getStorageAt", [token, key, "latest"]), 16) == have:
            return slot, key
    raise SystemExit("chain.py: no balances mapping found in the first 32 slots")


def set_balance(token, holder, amount):
    rpc("hardhat_setStorageAt", [token, balances_slot(token, holder)[1], word(str(amount))])


def set_allowance(token, owner, spender, amount):
    value = 2 ** 256 - 1 if amount == "max" else int(amount)
    slot = balances_slot(token, owner)[0] + 1
    inner = rpc("web3_sha3", [word(owner) + word(str(slot))[2:]])
    key = rpc("web3_sha3", [word(spender) + inner[2:]])
    rpc("hardhat_setStorageAt", [token, key, "0x%064x" % value])
    if int(call(token, "0xdd62ed3e", owner, spender), 16) != value:
        raise SystemExit("chain.py: allowance(owner, spender) did not take the value")


def main(argv):
    cmd = argv[0] if argv else ""
    if cmd == "block":
        print(int(rpc("eth_blockNumber", []), 16))
    elif cmd == "balance" and len(argv) == 3:
        print(int(call(argv[1], "0x70a08231", argv[2]), 16))
    elif cmd == "borrowed" and len(argv) == 3:
        out = call(argv[1], "0xeb02c301", argv[2])[2:]
        print(int(out[5 * 64:6 * 64], 16))
    elif cmd == "logs" and len(argv) >= 4:
        topics = [argv[2]] + [None if t == "-" else word(t) for t in argv[4:6]]
        logs = rpc("eth_getLogs", [{"address": argv[1], "topics": topics,
                                    "fromBlock": hex(int(argv[3])), "toBlock": "latest"}])
        print(len(logs), sum(int(l["data"][2:66] or "0", 16) for l in logs))
    elif cmd == "transfer" and len(argv) == 5:
        print(transfer(*argv[1:]))
    elif cmd == "collateral" and len(argv) == 4:
        print(set_collateral(*argv[1:]))
    elif cmd == "liquidate" and len(argv) == 3:
        print(liquidate(*argv[1:]))
    elif cmd == "setbalance" and len(argv) == 4:
        set_balance(*argv[1:])
    elif cmd == "setallowance" and len(argv) == 5:
        set_allowance(*argv[1:])
    elif cmd == "rpc" and len(argv) in (2, 3):
        print(json.dumps(rpc(argv[1], json.loads(argv[2]) if len(argv) == 3 else [])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
