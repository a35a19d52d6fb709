#!/usr/bin/env python3
"""doc_blocks.py DOC APPDIR: the runnable blocks of a markdown file as one bash script.

A block is runnable when the line before its fence (blank lines between allowed) is

    <!-- run: LANG [TAG...] -->

with LANG `sh` (a ```sh fence, run by bash in the script itself, so a variable one
block sets is there for the next, as in a reader's terminal) or `node` (a ```js fence,
written to APPDIR/doc-block-LINE.mjs and run there with node, so that it imports the
packages installed in APPDIR). LINE is the fence's line number in DOC.

Tags, each handed to the hooks the script calls (GUIDE_HOOKS, written by the test):
  file=NAME   the node block is saved as APPDIR/NAME instead of being run (a script
              that later blocks run themselves)
  background  the node block is started and left running: the next block starts once
              it has printed its first line; it must exit 0 by itself before the end
  any other   passed to the hooks as is (pending, signing, dispatch: see the test)

The script, for each block:
    guide_begin LINE "TAGS"; { BLOCK; } >"$GUIDE_OUT/LINE.out" 2>&1; guide_end LINE "TAGS"
under `set -e -o pipefail`: a block that fails ends the script with its status, and
guide_begin has written its LINE to $GUIDE_OUT/current. A marker that is not followed
by a fence of its language is an error (exit 1), so a mistyped marker cannot silently
turn a block off.
"""
import os
import re
import sys

MARK = re.compile(r"^<!--\s*run:\s*(\S+)((?:\s+\S+)*?)\s*-->\s*$")
FENCES = {"sh": ("sh", "bash"), "node": ("js", "javascript", "mjs")}


def blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i].strip())
        if not m:
            i += 1
            continue
        lang, tags = m.group(1), m.group(2).split()
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        fence = lines[j].strip() if j < len(lines) else ""
        info = fence[3:].split()[0] if fence.startswith("```") and fence[3:].strip() else ""
        if lang not in FENCES or info not in FENCES[lang]:
            sys.exit("%s:%d: run marker for %s not followed by a ```%s fence" %
                     (path, i + 1, lang, FENCES.get(lang, ("?",))[0]))
        k = j + 1
        while k < len(lines) and not lines[k].startswith("```"):
            k += 1
        if k >= len(lines):
            sys.exit("%s:%d: fence never closed" % (path, j + 1))
        yield j + 1, lang, tags, "\n".join(lines[j + 1:k])
        i = k + 1


def main():
    doc, app = sys.argv[1], sys.argv[2]
    out = ["set -e -o pipefail", '. "$GUIDE_HOOKS"']
    n = 0
    for line, lang, tags, text in blocks(doc):
        n += 1
        tagtext = " ".join([lang] + tags)
        saved = [t[5:] for t in tags if t.startswith("file=")]
        if lang == "node":
            name = saved[0] if saved else "doc-block-%d.mjs" % line
            with open(os.path.join(app, name), "w", encoding="utf-8") as f:
                f.write(text + "\n")
            if saved:
                continue
            run = 'node "$GUIDE_APP/%s"' % name
        else:
            run = text
        out.append('guide_begin %d "%s"' % (line, tagtext))
        if "background" in tags:
            out.append('%s >"$GUIDE_OUT/%d.out" 2>&1 &' % (run, line))
            out.append("guide_background %d $!" % line)
        else:
            out.append("{\n%s\n} >\"$GUIDE_OUT/%d.out\" 2>&1" % (run, line))
        out.append('guide_end %d "%s"' % (line, tagtext))
    if n == 0:
        sys.exit("%s: no <!-- run: ... --> block" % doc)
    out.append("guide_finish")
    print("\n".join(out))


if __name__ == "__main__":
    main()
