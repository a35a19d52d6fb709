#!/usr/bin/env python3
"""check_exprs.py - every metric a dashboard or a rule file queries must exist.

    check_exprs.py FILE... --metrics METRICS.txt
    check_exprs.py FILE... --names NAMES.txt
    check_exprs.py FILE... --list            (prints each expression's metric names)
    check_exprs.py FILE... --rules-out OUT   (also writes every expression as a recording
                                              rule, for `promtool check rules OUT`)

FILE is a Grafana dashboard (JSON: every targets[].expr, at any depth, and templating
queries label_values(metric, label) / query_result(expr)) or a Prometheus rule file
(YAML: every groups[].rules[].expr; names made by `record:` count as defined).

METRICS.txt is a Prometheus text exposition (a live GET /metrics): a name is defined
by a "# TYPE" line or a sample. A reference to X_bucket, X_sum or X_count is resolved
to X only when X is a histogram there; a histogram's bare family name X is reported,
as it selects no series. NAMES.txt is a plain list, one name per line ("#" comments),
optionally followed by its type ("partner_api_request_duration_seconds histogram").

The series Prometheus makes itself (up, scrape_*, ALERTS, ALERTS_FOR_STATE) are always
defined. Exit status: 0 all names defined, 1 some are not (each listed on a line
"UNKNOWN <file>: <name> in <expr>"), 2 a file cannot be read.
"""

import argparse
import json
import re
import sys

SYNTHETIC = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added",
    "ALERTS", "ALERTS_FOR_STATE",
}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "and", "or", "unless", "offset", "atan2", "inf", "nan",
}
HIST_SUFFIXES = ("_bucket", "_sum", "_count")

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
NAME_MATCHER = re.compile(r'__name__\s*=\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')')
GROUPING = re.compile(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)')
TOKEN = re.compile(
    r'(?P<var>\$\{[^}]*\}|\$\w+)'
    r'|(?P<num>(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[a-zA-Z0-9_]*)'
    r'|(?P<id>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'|(?P<other>\S)')


def names_in(expr):
    """The metric names a PromQL expression selects, in order, without repeats."""
    found = []
    # {__name__="x"} selects x; every other label matcher is dropped with its braces.
    for m in NAME_MATCHER.finditer(expr):
        found.append(m.group(1)[1:-1])
    text = STRING.sub('""', expr)
    text = re.sub(r'\{[^{}]*\}', ' ', text)
    text = re.sub(r'\[[^\]]*\]', ' ', text)          # ranges and subqueries
    text = re.sub(r'@\s*(start|end)\s*\(\s*\)', ' ', text)
    text = GROUPING.sub(' ', text)
    toks = [(m.lastgroup, m.group()) for m in TOKEN.finditer(text)]
    for i, (kind, tok) in enumerate(toks):
        if kind != 'id' or tok.lower() in KEYWORDS:
            continue
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ''
        if nxt == '(':                                  # a function or an aggregation
            continue
        found.append(tok)
    out = []
    for n in found:
        if n not in out:
            out.append(n)
    return out


def dashboard_exprs(doc):
    """(where, expr) for every targets[].expr and metric-bearing templating query."""
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            targets = node.get('targets')
            if isinstance(targets, list):
                title = node.get('title', path)
                for t in targets:
                    if isinstance(t, dict) and isinstance(t.get('expr'), str) and t['expr'].strip():
                        out.append(('panel "%s" %s' % (title, t.get('refId', '')), t['expr']))
            for k, v in node.items():
                if k != 'targets':
                    walk(v, path + '.' + k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, '%s[%d]' % (path, i))

    walk({k: v for k, v in doc.items() if k != 'templating'}, '')
    for var in (doc.get('templating') or {}).get('list', []):
        q = var.get('query')
        if isinstance(q, dict):
            q = q.get('query')
        if not isinstance(q, str):
            continue
        m = re.match(r'\s*label_values\(\s*(.+?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$', q)
        if m:
            out.append(('variable "%s"' % var.get('name'), m.group(1)))
            continue
        m = re.match(r'\s*query_result\((.*)\)\s*$', q)
        if m:
            out.append(('variable "%s"' % var.get('name'), m.group(1)))
    return out


def rule_exprs(doc):
    """(where, expr) for every rule, and the names recording rules define."""
    out, recorded = [], set()
    for g in (doc or {}).get('groups', []) or []:
        for r in g.get('rules', []) or []:
            where = 'rule %s' % (r.get('alert') or r.get('record'))
            if r.get('record'):
                recorded.add(r['record'])
            if isinstance(r.get('expr'), (str, int, float)):
                out.append((where, str(r['expr'])))
    return out, recorded


def load_exposition(path):
    """{name: type} from a text exposition: TYPE lines, and samples as untyped."""
    types, samples = {}, set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith('#'):
                parts = line.split(None, 3)
                if len(parts) >= 4 and parts[1] == 'TYPE':
                    types[parts[2]] = parts[3].strip()
                continue
            m = re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*', line)
            if m:
                samples.add(m.group())
    for s in samples:
        types.setdefault(s, 'untyped')
    return types


def load_names(path):
    types = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if line:
                types[line[0]] = line[1] if len(line) > 1 else 'untyped'
    return types


def resolve(name, types, recorded):
    """None when name is defined, else why not."""
    if name in SYNTHETIC or name in recorded:
        return None
    for suf in HIST_SUFFIXES:
        if name.endswith(suf) and types.get(name[:-len(suf)]) == 'histogram':
            return None
    if name in types:
        if types[name] == 'histogram':
            return 'a histogram family: select %s_bucket, _sum or _count' % name
        return None
    return 'not defined'


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('files', nargs='+', metavar='DASHBOARD_OR_RULES')
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--metrics', metavar='FILE', help='a Prometheus text exposition')
    src.add_argument('--names', metavar='FILE', help='a plain list of metric names')
    src.add_argument('--list', action='store_true', help='print the names, check nothing')
    ap.add_argument('--rules-out', metavar='OUT',
                    help='write the expressions as recording rules (for promtool check rules)')
    a = ap.parse_args(argv)

    try:
        if a.metrics:
            types = load_exposition(a.metrics)
        elif a.names:
            types = load_names(a.names)
        else:
            types = {}
    except OSError as e:
        print('check_exprs: %s' % e, file=sys.stderr)
        return 2

    exprs, recorded = [], set()
    for path in a.files:
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
            if path.endswith('.json'):
                found = [(path, w, e) for w, e in dashboard_exprs(json.loads(text))]
            else:
                try:
                    import yaml
                except ImportError:
                    print('check_exprs: %s: reading YAML needs PyYAML (python3-yaml)' % path,
                          file=sys.stderr)
                    return 2
                rules, rec = rule_exprs(yaml.safe_load(text))
                recorded |= rec
                found = [(path, w, e) for w, e in rules]
        except (OSError, ValueError) as e:
            print('check_exprs: %s: %s' % (path, e), file=sys.stderr)
            return 2
        except Exception as e:  # a YAML error
            print('check_exprs: %s: %s' % (path, e), file=sys.stderr)
            return 2
        if not found:
            print('check_exprs: %s: no expressions found' % path, file=sys.stderr)
            return 2
        exprs += found

    if a.rules_out:
        try:
            with open(a.rules_out, 'w', encoding='utf-8') as f:
                f.write('groups:\n  - name: check_exprs\n    rules:\n')
                for i, (path, where, expr) in enumerate(exprs):
                    f.write('      # %s: %s\n      - record: check_exprs:expr_%d\n'
                            '        expr: %s\n' % (path, where.replace('\n', ' '), i,
                                                   json.dumps(expr)))
        except OSError as e:
            print('check_exprs: %s' % e, file=sys.stderr)
            return 2

    unknown, names_seen = 0, set()
    for path, where, expr in exprs:
        names = names_in(expr)
        flat = ' '.join(expr.split())
        if a.list:
            print('%s: %s: %s' % (path, where, ' '.join(names) or '-'))
            continue
        if not names:
            print('UNKNOWN %s: %s selects no metric: %s' % (path, where, flat))
            unknown += 1
        for n in names:
            names_seen.add(n)
            why = resolve(n, types, recorded)
            if why:
                print('UNKNOWN %s: %s (%s) in %s: %s' % (path, n, why, where, flat))
                unknown += 1
    if a.list:
        return 0
    print('check_exprs: %d expressions, %d metric names, %d unknown' %
          (len(exprs), len(names_seen), unknown))
    return 1 if unknown else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
