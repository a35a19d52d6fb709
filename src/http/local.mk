# http: FastCGI request/response, strict JSON input, validation, routing, auth,
# audit and the endpoint handlers of the partner API.
liblendgate_a_SOURCES += src/http/request.c src/http/response.c src/http/json_input.c \
	src/http/validate.c src/http/router.c src/http/auth.c src/http/audit.c src/http/chaincap.c \
	src/http/bodies.c src/http/handlers.c src/http/server.c src/http/status.c
liblendgate_a_SOURCES += src/http/admin_bodies.c src/http/admin_handlers.c src/http/admin_common.c
noinst_HEADERS += include/lendgate/admin_bodies.h include/lendgate/admin_handlers.h \
	include/lendgate/admin_common.h

check_PROGRAMS += tests/unit/test_admin_bodies
tests_unit_test_admin_bodies_SOURCES = tests/unit/test_admin_bodies.c
tests_unit_test_admin_bodies_LDADD = $(LG_TEST_LIBS)
noinst_HEADERS += include/lendgate/chaincap.h include/lendgate/request.h include/lendgate/response.h \
	include/lendgate/json_input.h include/lendgate/validate.h include/lendgate/router.h \
	include/lendgate/auth.h include/lendgate/audit.h include/lendgate/bodies.h \
	include/lendgate/handlers.h include/lendgate/http.h include/lendgate/status.h

check_PROGRAMS += tests/unit/test_json_input
tests_unit_test_json_input_SOURCES = tests/unit/test_json_input.c
tests_unit_test_json_input_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_validate
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_http_core
tests_unit_test_http_core_SOURCES = tests/unit/test_http_core.c
tests_unit_test_http_core_LDADD = $(LG_TEST_LIBS)

# Web server snippets operators include: lighttpd (mod_fastcgi) and Apache (mod_fcgid,
# or mod_proxy_fcgi for the socket); make install writes them with the configured
# paths (etc/local.mk).
EXTRA_DIST += etc/lighttpd-lendgate.conf etc/lighttpd-lendgate-socket.conf \
	etc/apache-lendgate.conf etc/apache-lendgate-socket.conf
# The web servers' own errors under /partners and /admin, as the API's JSON body.
lgerrorsdir = $(pkgdatadir)/errors
dist_lgerrors_DATA = etc/errors/status-400.html etc/errors/status-408.html \
	etc/errors/status-411.html etc/errors/status-413.html etc/errors/status-414.html \
	etc/errors/status-500.html etc/errors/status-502.html etc/errors/status-503.html \
	etc/errors/status-504.html
EXTRA_DIST += tests/fuzz/corpus/fuzz_request_json

# Benchmark of the HTTP path through lighttpd (wrk), beside a no-op FastCGI floor.
noinst_PROGRAMS += tests/bench/fcgi_noop
tests_bench_fcgi_noop_SOURCES = tests/bench/fcgi_noop.c
tests_bench_fcgi_noop_LDADD = $(FCGI_LIBS)
LG_BENCHES += tests/bench/http-bench
EXTRA_DIST += tests/bench/http_bench.sh
CLEANFILES += tests/bench/http-bench
bench: tests/bench/http-bench lendgate.fcgi lendgatectl
tests/bench/http-bench: $(srcdir)/tests/bench/http_bench.sh
	$(AM_V_GEN)$(MKDIR_P) tests/bench && cp $(srcdir)/tests/bench/http_bench.sh $@ && chmod +x $@

# The audit write: the api-log connection of the SQLite store.
check_PROGRAMS += tests/unit/test_api_log
tests_unit_test_api_log_SOURCES = tests/unit/test_api_log.c
tests_unit_test_api_log_LDADD = $(LG_TEST_LIBS)

# Security layer: IP allowlists and trusted proxies (CIDR), HMAC request signatures.
liblendgate_a_SOURCES += src/http/netaddr.c src/http/signature.c
noinst_HEADERS += include/lendgate/netaddr.h include/lendgate/signature.h

# Shared-memory GCRA rate limiter and signature replay cache.
liblendgate_a_SOURCES += src/http/ratelimit.c src/http/replay.c src/http/guard.c
noinst_HEADERS += include/lendgate/ratelimit.h include/lendgate/replay.h include/lendgate/guard.h

check_PROGRAMS += tests/unit/test_netaddr tests/unit/test_signature tests/unit/test_request
tests_unit_test_netaddr_SOURCES = tests/unit/test_netaddr.c
tests_unit_test_netaddr_LDADD = $(LG_TEST_LIBS)
tests_unit_test_signature_SOURCES = tests/unit/test_signature.c
tests_unit_test_signature_LDADD = $(LG_TEST_LIBS)
tests_unit_test_request_SOURCES = tests/unit/test_request.c
tests_unit_test_request_LDADD = $(LG_TEST_LIBS)
noinst_PROGRAMS += tests/bench/bench_ratelimit
LG_BENCHES += tests/bench/bench_ratelimit
tests_bench_bench_ratelimit_SOURCES = tests/bench/bench_ratelimit.c
tests_bench_bench_ratelimit_LDADD = $(LG_LIBS)

# The host's cap on requests waiting on the chain node.
check_PROGRAMS += tests/unit/test_chaincap
tests_unit_test_chaincap_SOURCES = tests/unit/test_chaincap.c
tests_unit_test_chaincap_LDADD = $(LG_TEST_LIBS)

# The webhook operations of the admin and partner APIs (webhooks_admin.h behind them).
liblendgate_a_SOURCES += src/http/webhook_bodies.c src/http/webhook_handlers.c
noinst_HEADERS += include/lendgate/webhook_bodies.h include/lendgate/webhook_handlers.h

# http: GET /metrics, /healthz and /readyz.
liblendgate_a_SOURCES += src/http/ops_handlers.c
noinst_HEADERS += include/lendgate/ops_handlers.h
