# Integration tests: shell drivers over the built programs, a real SQLite file,
# and (later) the devnet and a real web server.
TESTS += tests/integration/ctl_init.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/ctl_init.sh tests/integration/contract_jsonl.py
# lendgatectl partner/audit: the admin verbs against a real SQLite file.
TESTS += tests/integration/ctl_partner.sh
EXTRA_DIST += tests/integration/ctl_partner.sh
# lendgatectl store copy: a whole SQLite store into an empty one, verified.
TESTS += tests/integration/store_copy.sh
EXTRA_DIST += tests/integration/store_copy.sh

# HTTP: the partner API through lighttpd and through Apache + mod_fcgid.
noinst_PROGRAMS += tests/integration/mkpartner
tests_integration_mkpartner_SOURCES = tests/integration/mkpartner.c
tests_integration_mkpartner_LDADD = $(LG_LIBS)
EXTRA_DIST += tests/integration/webserver.sh
TESTS += tests/integration/http_guard.sh tests/integration/http_malformed.sh \
	tests/integration/http_read.sh tests/integration/http_prefork.sh tests/integration/http_snippets.sh
EXTRA_DIST += tests/integration/http_guard.sh tests/integration/http_malformed.sh \
	tests/integration/http_read.sh tests/integration/http_prefork.sh tests/integration/http_snippets.sh

# The read path's promises under load: no audit row lost to a killed responder, a
# suspension obeyed by every responder from its next call, the viewer complete.
TESTS += tests/integration/http_load.sh
EXTRA_DIST += tests/integration/http_load.sh tests/integration/load_driver.py

# lendgate.fcgi's master on a socket passed as systemd passes it (fd 3, LISTEN_FDS).
TESTS += tests/integration/http_socket_activation.sh
EXTRA_DIST += tests/integration/http_socket_activation.sh

# The sandbox: live and sandbox keys of one partner, each on its own devnet.
TESTS += tests/integration/sandbox.sh
EXTRA_DIST += tests/integration/sandbox.sh

# The borrow and repay pipelines and crash safety through both web servers, on the devnet.
TESTS += tests/integration/http_pipeline.sh tests/integration/http_crash.sh \
	tests/integration/http_crashpoints.sh tests/integration/http_faults.sh \
	tests/integration/http_finality.sh
EXTRA_DIST += tests/integration/http_pipeline.sh tests/integration/http_crash.sh \
	tests/integration/http_crashpoints.sh tests/integration/http_faults.sh \
	tests/integration/http_finality.sh tests/integration/rpc_proxy.py \
	tests/integration/partner_api.sh tests/integration/chain.py

# The security layer through both web servers: rate limits, signing, allowlists.
TESTS += tests/integration/http_security.sh
EXTRA_DIST += tests/integration/http_security.sh

# Partner rate limits and the replay cache counted in the store: two lighttpd "hosts",
# each with its own state_dir, over one SQLite file ([store] cluster_guards on / off).
TESTS += tests/integration/cluster_guards.sh
EXTRA_DIST += tests/integration/cluster_guards.sh

# The admin API behind the web servers' own basic auth, through both web servers.
TESTS += tests/integration/admin_api.sh
EXTRA_DIST += tests/integration/admin_api.sh
# The end states of a debt: a liquidation on the devnet read by reconcile, an admin's default.
TESTS += tests/integration/liquidation.sh
EXTRA_DIST += tests/integration/liquidation.sh
# Every script's HTTP exchanges, as the contract check saw them.
CLEANFILES += tests/integration/*.contract.jsonl

# Webhook delivery on the devnet to a real receiver on loopback: signatures, retries,
# 410, timeouts, dead letters and replay, leases between dispatchers.
TESTS += tests/integration/webhooks.sh
EXTRA_DIST += tests/integration/webhooks.sh tests/integration/webhook_receiver.py

# Webhook operations (admin and partner) through both web servers.
TESTS += tests/integration/webhook_admin.sh
EXTRA_DIST += tests/integration/webhook_admin.sh

# GET /metrics summed over the pool's workers, /healthz and /readyz, through both web
# servers on the devnet.
TESTS += tests/integration/metrics.sh
EXTRA_DIST += tests/integration/metrics.sh

# The partner SDK (contrib/sdk/typescript) against the devnet, lighttpd and the
# responders: its node --test suite, webhook deliveries verified, npm pack installed.
TESTS += tests/integration/sdk.sh
EXTRA_DIST += tests/integration/sdk.sh

# The API reference page at /docs through the shipped snippets (lighttpd spawning,
# lighttpd on the responders' socket, Apache), loaded in headless Chromium.
TESTS += tests/integration/api_docs.sh
EXTRA_DIST += tests/integration/api_docs.sh tests/integration/browser.py

# contrib/load/run.sh for a few seconds against the devnet through lighttpd: no 5xx,
# every borrow a loan, the store and the chain agreeing with what the clients counted.
TESTS += tests/integration/load_smoke.sh
EXTRA_DIST += tests/integration/load_smoke.sh

# The documentation runs as written: the marked blocks of docs/onboarding.md and
# docs/partner-guide.md (curl, lendgatectl, the SDK) against the devnet and lighttpd.
TESTS += tests/integration/partner_guide.sh
EXTRA_DIST += tests/integration/partner_guide.sh tests/integration/doc_blocks.py
