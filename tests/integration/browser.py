#!/usr/bin/env python3
"""browser.py - loads a page in headless Chromium and reports what a reader would meet.

    browser.py [--chromium PATH] [--timeout S] [--ready JS] [--eval JS] URL OUT.json

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: the
browser reads commands on fd 3 and writes on fd 4, one JSON message per NUL), so no
websocket library is needed. The page is loaded in a fresh profile; once its load event
has fired, the expression --ready (a JavaScript expression, default true) is awaited
until it is true (checked on every animation frame, inside the page), then --eval (an
expression whose value is JSON-serialisable, default the serialised DOM) is taken.

OUT.json holds:
  "consoleErrors"  console.error/assert calls, uncaught exceptions and unhandled
                   rejections, and the browser's own error-level log entries (failed
                   loads, CSP refusals), each as text
  "requests"       every URL the page requested (documents, scripts, styles, fonts,
                   images, XHR/fetch, workers), in order
  "value"          the value of --eval
  "ready"          whether --ready became true before the time ran out
Exit 0 when the page loaded and OUT.json is written, 1 when it could not load, 2 usage.
"""
import argparse
import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, chromium, profile):
        cmd_r, self.cmd_w = os.pipe()  # we write commands, Chromium reads fd 3
        self.evt_r, evt_w = os.pipe()  # Chromium writes fd 4, we read
        args = [
            chromium, "--headless", "--remote-debugging-pipe", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--metrics-recording-only",
            "--disable-dev-shm-usage", "--mute-audio", "--password-store=basic",
            "--disable-crash-reporter", "--disable-breakpad",
            "about:blank",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses root without it

        # In the child, fds 3 and 4 (moved out of the way first, in case the pipes are
        # 3 and 4 themselves). Every other descriptor of ours is close-on-exec, the
        # pipes' own included (os.pipe), so Chromium holds only its two ends.
        def fds():
            r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(evt_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.close(r)
            os.close(w)

        # Its home and crash reports in the profile too: nothing of it outlives the run.
        env = dict(os.environ, HOME=profile, XDG_CONFIG_HOME=os.path.join(profile, "config"),
                   XDG_CACHE_HOME=os.path.join(profile, "cache"))
        with open(os.path.join(profile, "chromium.log"), "wb") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log, env=env,
                                         close_fds=False, preexec_fn=fds)
        os.close(cmd_r)
        os.close(evt_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            r, _, _ = select.select([self.evt_r], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                continue
            chunk = os.read(self.evt_r, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed its pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, deadline=None):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.cmd_w, json.dumps(m).encode() + b"\0")
        deadline = deadline or time.monotonic() + 30
        while True:
            r = self._read_message(deadline)
            if r.get("id") == mid:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error'].get('message')}")
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, method, deadline):
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))

    def close(self):
        try:
            self.send("Browser.close", deadline=time.monotonic() + 10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def console_text(e):
    p = e.get("params", {})
    m = e.get("method")
    if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
        parts = []
        for a in p.get("args", []):
            parts.append(str(a.get("value", a.get("description", a.get("type")))))
        return "console." + p["type"] + ": " + " ".join(parts)
    if m == "Runtime.exceptionThrown":
        d = p.get("exceptionDetails", {})
        ex = d.get("exception", {})
        return "exception: " + str(ex.get("description") or d.get("text"))
    if m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
        en = p["entry"]
        return f"log ({en.get('source')}): {en.get('text')} {en.get('url', '')}".rstrip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--ready", default="true")
    ap.add_argument("--eval", default="document.documentElement.outerHTML")
    ap.add_argument("url")
    ap.add_argument("out")
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout
    with tempfile.TemporaryDirectory(prefix="lg-chromium.") as profile:
        b = Browser(a.chromium, profile)
        try:
            target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for dom in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
                b.send(dom, session=s)
            nav = b.send("Page.navigate", {"url": a.url}, session=s)
            if nav.get("errorText"):
                print(f"browser.py: {a.url}: {nav['errorText']}", file=sys.stderr)
                return 1
            b.wait_event("Page.loadEventFired", deadline)
            # Waited for inside the page, frame by frame, up to the time left.
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            ready = b.send("Runtime.evaluate", {
                "expression": f"""new Promise(resolve => {{
                    const end = performance.now() + {left_ms};
                    const tick = () => {{
                        let ok = false;
                        try {{ ok = !!({a.ready}); }} catch (e) {{ ok = false; }}
                        if (ok || performance.now() > end) resolve(ok);
                        else requestAnimationFrame(tick);
                    }};
                    tick();
                }})""",
                "awaitPromise": True, "returnByValue": True,
            }, session=s, deadline=deadline + 10)
            got = b.send("Runtime.evaluate", {"expression": a.eval, "awaitPromise": True,
                                              "returnByValue": True}, session=s,
                         deadline=time.monotonic() + max(60, a.timeout / 2))
            if "exceptionDetails" in got:
                print(f"browser.py: --eval threw: {got['exceptionDetails'].get('text')}",
                      file=sys.stderr)
                return 1
            # What arrived meanwhile: drain without waiting.
            b.send("Runtime.evaluate", {"expression": "0"}, session=s)
        except (TimeoutError, EOFError, RuntimeError, OSError) as e:
            try:
                with open(os.path.join(profile, "chromium.log"), errors="replace") as f:
                    sys.stderr.write("".join(f.readlines()[-10:]))
            except OSError:
                pass
            print(f"browser.py: {a.url}: {e}", file=sys.stderr)
            b.close()
            return 1
        b.close()
    errors, requests = [], []
    for e in b.events:
        t = console_text(e)
        if t:
            errors.append(t)
        if e.get("method") == "Network.requestWillBeSent":
            requests.append(e["params"]["request"]["url"])
    with open(a.out, "w") as f:
        json.dump({"consoleErrors": errors, "requests": requests,
                   "ready": bool(ready.get("result", {}).get("value")),
                   "value": got.get("result", {}).get("value")}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
