#!/usr/bin/env bash
# The operators' documents name only settings that exist: every `[section] key` (in
# backticks) of docs/scale-out.md and docs/operations.md, and every key of their
# ```ini blocks, is a
# key of the configuration schema (etc/lendgate.conf.example lists each once, which
# test_config holds to the schema). A setting renamed or dropped in the code and left
# in a document fails here.
. "$(dirname "$0")/../integration/lib.sh"

example="$LG_TOP_SRCDIR/etc/lendgate.conf.example"
command -v python3 >/dev/null 2>&1 || { skip "settings named" "python3 is needed"; finish; }

for doc in docs/scale-out.md docs/operations.md; do
    python3 - "$example" "$LG_TOP_SRCDIR/$doc" >"$T/out" 2>&1 <<'PY'
import re, sys
known, section = set(), None
for line in open(sys.argv[1]):
    m = re.match(r'^\[(\w+)\]', line)
    if m:
        section = m.group(1)
    m = re.match(r'^#?\s*(\w+)\s*=', line)
    if m and section:
        known.add((section, m.group(1)))
named, text = set(), open(sys.argv[2]).read()
for s, k in re.findall(r'`\[([a-z]+)\] ([a-z_]+)`', text):
    named.add((s, k))
for block in re.findall(r'```ini\n(.*?)```', text, re.S):
    section = None
    for line in block.splitlines():
        m = re.match(r'^\[(\w+)\]', line)
        if m:
            section = m.group(1)
        m = re.match(r'^(\w+)\s*=', line)
        if m and section:
            named.add((section, m.group(1)))
bad = ["[%s] %s is no setting" % (s, k) for s, k in sorted(named) if (s, k) not in known]
print("%d settings named" % len(named))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
    if [ $? = 0 ]; then
        pass "$doc names only settings that exist ($(head -n 1 "$T/out"))"
    else
        fail "$doc names only settings that exist" "$(tail -n +2 "$T/out" | tr '\n' ';')"
    fi
done
finish
