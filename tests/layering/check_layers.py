#!/usr/bin/env python3
"""check_layers.py SRCDIR - the dependency direction of DESIGN.md, checked:
bin -> http -> service -> {store, eth, webhook} -> crypto -> core, the service the only
door; metrics (over core) is reachable from service, http and bin.

Every file under src/ and include/lendgate/ belongs to a layer; each #include of a
lendgate header or of a backend library must be allowed for the including layer, and
http and bin must not call the store or the chain client (lg_store_*, lg_rpc_*,
lg_chain_*) nor take their handles from the service. The borrow, repay and reconcile
pipelines call the chain only through its table (lg_chain_*), never rpc, the contract
bindings or the sender directly. The service speaks no HTTP: no status number appears
in its code (its answers are lg_err classes; src/http/status.c maps them). Prints one
line per violation; exit 1 if any.
"""
import os
import re
import sys

LAYERS = {
    "core": "error log time ids config amount hex u256 proc shm model banned".split(),
    "crypto": "sha256 keccak signer address apikey".split(),
    "eth": "rlp abi tx rpc contracts nonce sender fees chain".split(),
    "store": "store store_backend store_mongo store_copy events".split(),
    "webhook": ["webhook"],
    "metrics": ["metrics"],
    "service": ("service queries admin setup store_move nonce_store view render dispatch webhooks_admin "
                "observe journal cluster_guard").split(),
    "http": ("request response json_input validate router auth audit bodies handlers http "
             "admin_bodies admin_handlers admin_common guard ratelimit replay signature netaddr "
             "chaincap status webhook_bodies webhook_handlers ops_handlers").split(),
}
# What each layer may include besides itself. The domain records are model.h's
# (core): http and bin name them from there, and never include the store's header.
ALLOWED = {
    "core": set(),
    "crypto": {"core"},
    "eth": {"core", "crypto"},
    "store": {"core", "crypto"},
    "webhook": {"core", "crypto"},
    # Counters and histograms in per-process files: the service, http (requests) and
    # bin (gauges at scrape) update or read them; metrics knows nothing above core.
    "metrics": {"core"},
    "service": {"core", "crypto", "eth", "store", "webhook", "metrics"},
    "http": {"core", "crypto", "service", "metrics"},
    "bin": {"core", "crypto", "service", "http", "metrics"},
}
# Libraries that belong to some layers only: libcurl is the chain client's transport
# and the webhook deliveries'.
LIBS = {"sqlite3.h": {"store"}, "mongoc": {"store"}, "bson": {"store"},
        "fcgiapp.h": {"http", "bin"}, "fcgi_stdio.h": {"http", "bin"}, "curl/": {"eth", "webhook"},
        "secp256k1": {"crypto"}, "nettle/": {"crypto"}}
DOOR = re.compile(r"\blg_(store|rpc|chain)_[a-z_]+\s*\(|\blg_service_(store|rpc|contracts)\s*\(")
# The pipelines reach the chain only through the chain table (chain.h), so that they
# run the same against the node and against the unit tests' scripted chain.
PIPELINES = {os.path.join("src", "service", f) for f in ("borrow.c", "repay.c", "reconcile.c")}
PAST_TABLE = re.compile(r"\blg_(rpc|oaid|vault|usdc|sender|contracts|fees|nonce)_[a-z_]+\s*\(")

# A number the code of the service would only write to answer in HTTP terms.
HTTP_STATUS = re.compile(r"\b(200|201|202|204|400|401|403|404|405|409|413|415|422|429|500|502|503|"
                         r"504)\b")
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.S)

header_layer = {h + ".h": layer for layer, hs in LAYERS.items() for h in hs}


def layer_of(path):
    parts = path.split(os.sep)
    if parts[0] == "src":
        return parts[1]
    return header_layer.get(os.path.basename(path))


def check_file(top, rel, problems):
    layer = layer_of(rel)
    if layer is None:
        problems.append(f"{rel}: belongs to no layer (add it to tests/layering/check_layers.py)")
        return
    text = open(os.path.join(top, rel), encoding="utf-8", errors="replace").read()
    if layer == "service":
        check_no_http(rel, text, problems)
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
        if m:
            check_include(rel, n, layer, m.group(1), problems)
        if layer in ("http", "bin") and DOOR.search(line):
            problems.append(f"{rel}:{n}: {layer} reaches past the service: {line.strip()}")
        if rel in PIPELINES and PAST_TABLE.search(line):
            problems.append(f"{rel}:{n}: the pipeline reaches past the chain table: "
                            f"{line.strip()}")


def check_no_http(rel, text, problems):
    # Blank comments and strings but keep their newlines, so line numbers hold.
    code = COMMENT_OR_STRING.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for n, line in enumerate(code.splitlines(), 1):
        m = HTTP_STATUS.search(line)
        if m and not line.lstrip().startswith("#"):
            problems.append(f"{rel}:{n}: the service answers in HTTP status {m.group(1)}: "
                            f"{line.strip()}")


def check_include(rel, n, layer, inc, problems):
    if inc.startswith("lendgate/"):
        name = inc.split("/", 1)[1]
        target = header_layer.get(name)
        if target is None:
            problems.append(f"{rel}:{n}: unknown lendgate header {inc}")
            return
        if target == layer:
            return
        ok = ALLOWED.get(layer, set())
        if target in ok:
            return
        problems.append(f"{rel}:{n}: {layer} must not include {inc} ({target})")
        return
    for lib, owners in LIBS.items():
        if inc.startswith(lib) and layer not in owners:
            problems.append(f"{rel}:{n}: {layer} must not include <{inc}> "
                            f"({', '.join(sorted(owners))} only)")


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    files = 0
    for base in ("src", os.path.join("include", "lendgate")):
        for root, _, names in os.walk(os.path.join(top, base)):
            for name in sorted(names):
                if name.endswith((".c", ".h")) and name != "sql_embedded.c":
                    check_file(top, os.path.relpath(os.path.join(root, name), top), problems)
                    files += 1
    for p in problems:
        print("LAYER " + p)
    print(f"layering: {files} files, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
