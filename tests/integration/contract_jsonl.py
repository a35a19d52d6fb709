#!/usr/bin/env python3
"""contract_jsonl.py DIR TEST - the exchanges contract_record (lib.sh) kept in DIR as
one JSON line each, in order, for contrib/openapi/validate.mjs:
{"method", "path", "status", "requestBody", "responseBody", "responseHeaders", "test"}.
A body that is not JSON is null (with its first bytes under responseText), so an HTML
error page where the contract promises JSON fails the check."""
import json
import os
import sys


def parse(raw):
    try:
        return json.loads(raw.decode("utf-8")), None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, raw[:200].decode("utf-8", "replace")


def headers(raw):
    out = {}
    # The last header block: curl -D keeps a 100 Continue's block before it.
    blocks = raw.decode("latin-1").replace("\r", "").strip().split("\n\n")
    for line in blocks[-1].split("\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip().lower()] = v.strip()
    return out


def main():
    d, test = sys.argv[1], sys.argv[2]
    for meta in sorted(f for f in os.listdir(d) if f.endswith(".meta")):
        n = meta[:-5]
        method, path, status = open(os.path.join(d, meta)).read().split("\n")[:3]
        if not status.strip("0"):
            continue  # no HTTP answer at all (curl could not connect): nothing to hold
        body, text = parse(open(os.path.join(d, n + ".body"), "rb").read())
        req = None
        if os.path.exists(os.path.join(d, n + ".req")):
            req, _ = parse(open(os.path.join(d, n + ".req"), "rb").read())
        x = {"method": method, "path": path, "status": int(status or 0), "requestBody": req,
             "responseBody": body, "test": test,
             "responseHeaders": headers(open(os.path.join(d, n + ".headers"), "rb").read())}
        if text is not None and text != "":
            x["responseText"] = text
        print(json.dumps(x))


if __name__ == "__main__":
    main()
