#!/usr/bin/env bash
# The API reference page (docs/reference/index.html, made by make from docs/openapi.yaml
# with Redoc) as the shipped web server snippets serve it: lighttpd spawning the
# responders, lighttpd connecting to their socket, and Apache with mod_fcgid, each with
# only its paths moved into $T. In every one, /docs and /docs/ answer the page itself
# without credentials, as HTML from the web server (no lendgate request id), while
# /partners still reaches the responders; then headless Chromium loads /docs and the
# page must log no console error or uncaught exception, request nothing but itself
# (and data:/blob: URLs it makes), hydrate (React takes over the prerendered page), find
# "repay" with its search box, and show every route (method and path) of
# docs/openapi.yaml. The built file must not name an http(s) address for any script,
# stylesheet, font, image or frame.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

page="$LG_TOP_BUILDDIR/docs/reference/index.html"
if [ ! -f "$page" ]; then
    skip "API reference page" "not built by make (it needs node and npm ci in contrib/openapi; make says which is missing)"
    finish
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
ws_offline_store "api docs"
read -r _ key < <("$mk" --db "$db" --prefix docs)
htpasswd -b -c -m "$T/admin.htpasswd" alice 'open sesame' >/dev/null 2>&1 || : >"$T/admin.htpasswd"

# Nothing in the file is fetched from elsewhere.
external=$(python3 - "$page" <<'PY'
import re, sys
from html.parser import HTMLParser
remote = re.compile(r"^\s*(https?:)?//", re.I)
found = []
class P(HTMLParser):
    style = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "style":
            self.style = True
        keys = {"script": ["src"], "link": ["href"], "img": ["src", "srcset"],
                "iframe": ["src"], "frame": ["src"], "source": ["src", "srcset"],
                "video": ["src", "poster"], "audio": ["src"], "embed": ["src"],
                "object": ["data"], "input": ["src"]}.get(tag, [])
        for k in keys:
            if a.get(k) and remote.match(a[k]):
                found.append(f"<{tag} {k}={a[k]}>")
    def handle_endtag(self, tag):
        if tag == "style":
            self.style = False
    def handle_data(self, data):
        if self.style:
            for m in re.finditer(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)|url\(\s*['\"]?([^'\")]+)", data):
                u = m.group(1) or m.group(2)
                if remote.match(u):
                    found.append(f"CSS {u}")
P().feed(open(sys.argv[1], encoding="utf-8").read())
print(" ".join(found))
PY
)
expect_eq "the page names no http(s) address to load a script, style, font, image or frame from" \
    "$external" ""

# Every route of the contract, as "METHOD path".
python3 - "$LG_TOP_SRCDIR/docs/openapi.yaml" >"$T/routes" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
for path, item in spec["paths"].items():
    for method in item:
        if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
            print(method.upper(), path)
PY
[ -s "$T/routes" ] && pass "docs/openapi.yaml has $(wc -l <"$T/routes") routes" ||
    fail "docs/openapi.yaml has routes" "none read"

# Run in the page once it is loaded: the routes it shows, whether React hydrated it, and
# what its search box finds for "repay".
cat >"$T/probe.js" <<'JS'
(async () => {
  const routes = [...document.querySelectorAll("#redoc .http-verb")].map(
    (e) => e.textContent.trim().toUpperCase() + " " + ((e.nextElementSibling || {}).textContent || "").trim());
  const root = document.getElementById("redoc");
  const hydrated = !!root && Object.keys(root).some(
    (k) => k.startsWith("__reactContainer") || k === "_reactRootContainer");
  let found = [];
  const input = document.querySelector("#redoc input.search-input");
  if (input) {
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    set.call(input, "repay");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    const end = performance.now() + 30000;
    while (performance.now() < end && !found.length) {
      found = [...document.querySelectorAll('[data-role="search:results"] li')].map((li) => li.textContent);
      if (!found.length) await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { routes, hydrated, search: found, title: document.title };
})()
JS

# browser_check NAME: Chromium loads $LG_BASE_URL/docs.
browser_check() {
    local name=$1 out="$T/browser-$1.json" verdict
    if [ -z "$chromium" ]; then
        skip "$name: the page in headless Chromium" "chromium not installed (apt-get install chromium; contrib/deps.sh does)"
        return
    fi
    if ! python3 "$LG_TOP_SRCDIR/tests/integration/browser.py" --chromium "$chromium" --timeout 60 \
        --ready 'window.Redoc && document.querySelector("#redoc .menu-content")' \
        --eval "$(cat "$T/probe.js")" "$LG_BASE_URL/docs" "$out" 2>"$T/browser.err"; then
        fail "$name: Chromium loads /docs" "$(tail -n 1 "$T/browser.err")"
        return
    fi
    pass "$name: Chromium loads /docs"
    verdict=$(python3 - "$out" "$T/routes" "$LG_BASE_URL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = [l.strip() for l in open(sys.argv[2]) if l.strip()]
base = sys.argv[3]
v = d.get("value") or {}
shown = set(v.get("routes", []))
print("ready", "yes" if d["ready"] else "no")
print("errors", json.dumps(d["consoleErrors"])[:600] if d["consoleErrors"] else "none")
elsewhere = [u for u in d["requests"]
             if not (u.startswith(base + "/") or u.startswith("data:") or u.startswith("blob:" + base + "/"))]
print("elsewhere", " ".join(elsewhere) or "none")
print("hydrated", "yes" if v.get("hydrated") else "no")
print("search", "yes" if any("Repay a loan" in r for r in v.get("search", [])) else "no: " + json.dumps(v.get("search"))[:200])
missing = [r for r in want if r not in shown]
print("missing", "; ".join(missing) or "none")
print("shown", len([r for r in want if r in shown]))
PY
)
    expect_eq "$name: the page became ready (Redoc's menu is there)" "$(sed -n 's/^ready //p' <<<"$verdict")" yes
    expect_eq "$name: no console error or uncaught exception" "$(sed -n 's/^errors //p' <<<"$verdict")" none
    expect_eq "$name: the page requested nothing from elsewhere" "$(sed -n 's/^elsewhere //p' <<<"$verdict")" none
    expect_eq "$name: React hydrated the prerendered page" "$(sed -n 's/^hydrated //p' <<<"$verdict")" yes
    expect_eq "$name: the search box finds \"Repay a loan\" for repay" "$(sed -n 's/^search //p' <<<"$verdict")" yes
    expect_eq "$name: every route of docs/openapi.yaml is on the page ($(sed -n 's/^shown //p' <<<"$verdict") of $(wc -l <"$T/routes"))" \
        "$(sed -n 's/^missing //p' <<<"$verdict")" none
}

want_sha=$(sha256sum <"$page")
for kind in lighttpd lighttpd-socket apache; do
    case $kind in
    lighttpd*) command -v lighttpd >/dev/null || { skip "$kind" "lighttpd not installed"; continue; } ;;
    apache) { command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_fcgid.so" ]; } ||
        { skip "$kind" "apache2 or mod_fcgid not installed"; continue; } ;;
    esac
    if ! ws_start_snippet "$kind"; then
        fail "$kind starts with the shipped snippet" "$ws_why"
        continue
    fi
    pass "$kind starts with the shipped snippet"
    for path in /docs /docs/; do
        code=$(curl -s -o "$T/ws/docs" -D "$T/ws/headers" -w '%{http_code}' "$LG_BASE_URL$path")
        expect_eq "$kind: GET $path without credentials is the page, as HTML from the web server" \
            "$code:$(ws_header Content-Type):$(ws_header X-Request-Id):$(sha256sum <"$T/ws/docs")" \
            "200:text/html; charset=utf-8::$want_sha"
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' "$LG_BASE_URL/docs/index.html")
    expect_eq "$kind: only /docs and /docs/ are the page (/docs/index.html is not served)" "$code" 404
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$kind: /partners still reaches the responders" "$ws_status:$(ws_py 'd["success"]')" "200:True"
    browser_check "$kind"
    ws_stop
    expect_eq "$kind: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done
finish
