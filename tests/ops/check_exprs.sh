#!/usr/bin/env bash
# contrib/prometheus/check_exprs.py: it finds the metric names of PromQL expressions
# (not functions, keywords, label names, durations or numbers), fails on a name the
# exposition or list does not define, and passes the real dashboard and rules against
# the hand-written exposition of every family lendgate exports.
. "$(dirname "$0")/../integration/lib.sh"

prom="$LG_TOP_SRCDIR/contrib/prometheus"
ce() { python3 "$prom/check_exprs.py" "$@"; }

cat >"$T/metrics.txt" <<'M'
# HELP req_total Requests.
# TYPE req_total counter
req_total{route="/a",code="200"} 3
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="+Inf"} 2
lat_seconds_sum 0.3
lat_seconds_count 2
# HELP depth Queue depth.
# TYPE depth gauge
depth 4
untyped_thing 1
M
cat >"$T/good.json" <<'J'
{"title": "t", "panels": [
  {"title": "a", "targets": [{"refId": "A",
    "expr": "histogram_quantile(0.95, sum by (le, route) (rate(lat_seconds_bucket{route=~\"/a|/b\"}[5m])))"}]},
  {"type": "row", "panels": [{"title": "nested", "targets": [{"refId": "A",
    "expr": "sum without (code) (rate(req_total{code!=\"200\"}[$__rate_interval])) / on (route) group_left sum by (route) (rate(req_total[5m])) > bool 0.5 and depth offset 1h"}]}]},
  {"title": "b", "targets": [{"refId": "A", "expr": "lat_seconds_sum / lat_seconds_count + untyped_thing * 1e3"}]}
]}
J
sed 's/depth offset 1h/depht offset 1h/' "$T/good.json" >"$T/bad.json"
# A gauge has no _count; a histogram's family name selects nothing.
printf '{"panels":[{"targets":[{"expr":"depth_count + 1"},{"expr":"rate(lat_seconds[5m])"}]}]}\n' \
    >"$T/suffix.json"

check "names of a nested dashboard, functions, keywords and labels left out" \
    bash -c "python3 '$prom/check_exprs.py' '$T/good.json' --list | tr '\n' '|' |
        grep -qx '$T/good.json: panel \"a\" A: lat_seconds_bucket|$T/good.json: panel \"nested\" A: req_total depth|$T/good.json: panel \"b\" A: lat_seconds_sum lat_seconds_count untyped_thing|'"
check "a dashboard of known metrics passes" ce "$T/good.json" --metrics "$T/metrics.txt"
ce "$T/bad.json" --metrics "$T/metrics.txt" >"$T/bad.out" 2>&1
expect_eq "a dashboard with an unknown metric fails" "$?" 1
expect_eq "it names the unknown metric, once" "$(grep -c '^UNKNOWN .*: depht (not defined)' "$T/bad.out")" 1
ce "$T/suffix.json" --metrics "$T/metrics.txt" >"$T/suffix.out" 2>&1
expect_eq "_count of a gauge and a bare histogram family fail" \
    "$?:$(grep -c '^UNKNOWN .*depth_count (not defined)' "$T/suffix.out"):$(grep -c '^UNKNOWN .*lat_seconds (a histogram family' "$T/suffix.out")" \
    "1:1:1"
printf 'req_total\nlat_seconds histogram\ndepth\nuntyped_thing  # comment\n' >"$T/names.txt"
check "--names: a plain list of names (histogram typed) passes" ce "$T/good.json" --names "$T/names.txt"
ce "$T/bad.json" --names "$T/names.txt" >/dev/null 2>&1
expect_eq "--names: the unknown metric fails" "$?" 1
printf 'groups:\n- name: g\n  rules:\n  - record: job:req:rate5m\n    expr: sum by (job) (rate(req_total[5m]))\n  - alert: A\n    expr: |\n      job:req:rate5m > 3\n      unless up == 0\n' \
    >"$T/rules.yml"
check "rule files: block scalars, recorded names and up are defined" ce "$T/rules.yml" --metrics "$T/metrics.txt"

check "the real dashboard and rules against contrib/prometheus/testdata/metrics.txt" \
    ce "$LG_TOP_SRCDIR/contrib/grafana/lendgate.json" "$prom/alerts.yml" --metrics "$prom/testdata/metrics.txt"
finish
