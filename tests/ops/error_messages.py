#!/usr/bin/env python3
"""error_messages.py [--list] SRC_TOP [DOC]: the error messages the API can answer,
read from the C sources, and (given DOC) those DOC does not mention.

The rule, kept simple on purpose:

- The files are src/http/*.c and src/service/*.c, comments removed.
- A message is a string literal passed to one of the SINKS below, at the argument
  positions given there. Adjacent literals are joined ("a" "b" is "ab"); an argument
  with several literals (a ? "x" : "y") gives each of them. Literals of several
  positions are joined with ": ", as the message is (lg_svc_fail's field, then its
  text: "userWallet: not a valid address"); a position that holds no literal (a
  variable) is a gap, as a conversion is.
- A message made with a format string is cut at each conversion (%s, %u, %llu, ...):
  every constant piece, trimmed of spaces and of the punctuation around it (: " ( ) ,
  ; %), of three or more characters with a letter in it must be in DOC
  ("Insufficient credit. Available: $%s" needs "Insufficient credit. Available: $").
  A piece shorter than that ("%s: %s") is glue and checks nothing.
- Also: `return "..."` in a function of src/service whose name ends in _reason (the
  chain failures' public words), and `char why[] = "..."` declarations.
- The web servers' own error answers, etc/errors/status-*.html (JSON): their message.
- DOC is compared with its whitespace collapsed and its backticks removed, so a
  message may be wrapped over lines and set in code spans.

A message passed on through a variable by a helper that is not a SINK is not seen:
when you add such a helper, add it here. Each line printed is FILE:LINE<TAB>piece.
"""
import glob
import json
import os
import re
import sys

# callee name -> argument positions of the message parts (negative: from the end)
SINKS = {
    "lg_http_fail": [2],
    "lg_svc_fail": [2, 3],  # field, format
    "refuse": [-1],  # auth.c, guard.c, signature.c, netaddr.c: the text is the last argument
    "refuse_entry": [-1],  # netaddr.c
    "bad": [-1],  # validate.c: bad(msg, msglen, field, why)
    "fail": [-1],  # admin_bodies.c: fail(msg, msglen, name, why)
    "bad_field": [-2, -1],  # admin.c (out, where, field, why), webhooks.c (out, field, why)
    "field_fail": [-2, -1],
    "taken": [2, 3, -1],  # admin.c (out, where, field, value, why): field: "value" why
    "repay_failed": [3, 1],  # (run, reason, err, what): "what: reason"
    "store_failed": [-2],  # webhooks.c (out, rc, not_found, what): "Event not found"
    "store_outcome": [-2],
    "snprintf": None,  # into msg, why, text or v->message only: see below
}
SNPRINTF_TARGETS = {"msg", "why", "text", "v->message", "message"}

CONV = re.compile(r"%[-+ #0]*[0-9*]*(?:\.[0-9*]+)?(?:hh|h|ll|l|z|j|t)?[diouxXscpeEfgG%]")


def tokens(text):
    """(kind, value, line) for identifiers, strings, and single punctuation; no comments."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):  # a preprocessor line
            j = i
            while True:
                j = text.find("\n", j)
                if j < 0 or text[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            line += text.count("\n", i, j)
            i = j
        elif c == '"' or c == "'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\":
                    esc = text[j + 1]
                    buf.append({"n": "\n", "t": "\t", "0": "\0"}.get(esc, esc))
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            yield ("str" if c == '"' else "chr", "".join(buf), line)
            i = j + 1
        elif c.isalnum() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            yield ("id", text[i:j], line)
            i = j
        elif text.startswith("->", i):
            yield ("op", "->", line)
            i += 2
        else:
            yield ("op", c, line)
            i += 1


def call_args(toks, k):
    """The arguments of the call whose '(' is toks[k]: a list of token lists."""
    depth, args, cur = 0, [], []
    for t in toks[k:]:
        if t[0] == "op" and t[1] in "([{":
            depth += 1
            if depth == 1:
                continue
        elif t[0] == "op" and t[1] in ")]}":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args
        elif t[0] == "op" and t[1] == "," and depth == 1:
            args.append(cur)
            cur = []
            continue
        cur.append(t)
    return args


def literals(arg):
    """The string literals of one argument, adjacent ones joined; [None] for none."""
    out, prev_str = [], False
    for t in arg:
        if t[0] == "str":
            if prev_str:
                out[-1] += t[1]
            else:
                out.append(t[1])
            prev_str = True
        else:
            prev_str = False
    return out or [None]


def messages(path):
    toks = list(tokens(open(path, encoding="utf-8").read()))
    func, depth = "", 0
    in_service = os.path.basename(os.path.dirname(path)) == "service"
    for k, t in enumerate(toks):
        if t[0] == "op" and t[1] == "{":
            depth += 1
        elif t[0] == "op" and t[1] == "}":
            depth -= 1
        elif depth == 0 and t[0] == "id" and k + 1 < len(toks) and toks[k + 1][1] == "(":
            func = t[1]
        if t[0] == "id" and t[1] == "return" and func.endswith("_reason") and in_service:
            j = k + 1
            while j < len(toks) and toks[j][1] != ";":
                if toks[j][0] == "str":
                    yield t[2], toks[j][1]
                j += 1
        if t[0] == "id" and t[1] == "why" and k + 3 < len(toks) and toks[k + 1][1] == "[" \
                and toks[k + 2][1] == "]" and toks[k + 3][1] == "=" and toks[k + 4][0] == "str":
            yield t[2], toks[k + 4][1]
        if t[0] != "id" or t[1] not in SINKS or k + 1 >= len(toks) or toks[k + 1][1] != "(":
            continue
        if k > 0 and toks[k - 1][0] == "id" and toks[k - 1][1] not in ("return", "else"):
            continue  # a declaration or definition, not a call
        args = call_args(toks, k + 1)
        positions = SINKS[t[1]]
        if positions is None:  # snprintf(target, size, format, ...)
            target = "".join(x[1] for x in args[0]) if args else ""
            if target not in SNPRINTF_TARGETS or len(args) < 3:
                continue
            positions = [2]
        parts = []
        for p in positions:
            if -len(args) <= p < len(args):
                parts.append(literals(args[p]))
        combos = [[]]
        for alts in parts:
            combos = [c + [a] for c in combos for a in alts]
        for c in combos:
            text = ": ".join("%s" if x is None else x for x in c if x != "")
            if text:
                yield t[2], text


def pieces(message):
    for piece in CONV.split(message):
        piece = piece.strip(' \t\n:"(),;%')
        if len(piece) >= 3 and re.search(r"[A-Za-z]", piece):
            yield piece


def main():
    args = sys.argv[1:]
    listing = args and args[0] == "--list"
    if listing:
        args = args[1:]
    top = args[0]
    doc = None
    if len(args) > 1:
        doc = " ".join(open(args[1], encoding="utf-8").read().replace("`", "").split())
    files = sorted(glob.glob(os.path.join(top, "src/http/*.c")) +
                   glob.glob(os.path.join(top, "src/service/*.c")))
    missing = 0
    seen = set()
    found = [(os.path.relpath(f, top), line, msg) for f in files for line, msg in messages(f)]
    for f in sorted(glob.glob(os.path.join(top, "etc/errors/status-*.html"))):
        found.append((os.path.relpath(f, top), 1, json.load(open(f, encoding="utf-8"))["message"]))
    if not found:
        print("no message found under %s: wrong directory?" % top)
        return 1
    for rel, line, msg in found:
        for piece in pieces(msg):
            norm = " ".join(piece.split())
            if (rel, norm) in seen:
                continue
            seen.add((rel, norm))
            if listing:
                print("%s:%d\t%s" % (rel, line, norm))
            elif doc is not None and norm not in doc:
                print("%s:%d\t%s" % (rel, line, norm))
                missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
