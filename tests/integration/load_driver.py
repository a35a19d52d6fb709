#!/usr/bin/env python3
"""load_driver.py - keeps a partner route busy from several threads, each on its own
keep-alive connection, and records every answer (when it was sent, when it came back,
its status and X-Request-Id), for the tests that prove what lendgate promises under
load (http_load.sh).

  load_driver.py BASE_URL KEY PATH THREADS STOP_FILE PROGRESS_FILE OUT_FILE

Runs until STOP_FILE exists. PROGRESS_FILE holds how many answers lendgate itself
gave so far (those with an X-Request-Id; rewritten every 20, so never more than
there were). OUT_FILE gets one line per answer:
send_ns recv_ns status request_id ("-" when the answer had none: the web server's own).
A connection that fails is opened again; the failed request is recorded as status 0.
"""
import http.client
import os
import sys
import threading
import time
import urllib.parse

base, key, path, threads, stop_file, progress_file, out_file = sys.argv[1:8]
url = urllib.parse.urlsplit(base)
lock = threading.Lock()
rows = []
answered = [0]


def note_progress():
    tmp = progress_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % answered[0])
    os.replace(tmp, progress_file)


def worker():
    conn = None
    mine = []
    while not os.path.exists(stop_file):
        if conn is None:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        sent = time.time_ns()
        try:
            conn.request("GET", path, headers={"Authorization": "Bearer " + key})
            resp = conn.getresponse()
            resp.read()
            status, rid = resp.status, resp.getheader("X-Request-Id") or "-"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            status, rid = 0, "-"
            conn.close()
            conn = None
        mine.append("%d %d %d %s" % (sent, time.time_ns(), status, rid))
        if rid == "-":
            continue
        with lock:
            answered[0] += 1
            if answered[0] % 20 == 0:
                note_progress()
    with lock:
        rows.extend(mine)


ts = [threading.Thread(target=worker) for _ in range(int(threads))]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out_file, "w") as f:
    f.write("\n".join(rows) + ("\n" if rows else ""))
note_progress()
