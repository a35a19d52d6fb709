# Operations: the Prometheus alert rules and their unit tests, the example scrape
# config, the Grafana dashboard and the expression checker (docs/monitoring.md).
TESTS += tests/ops/check_exprs.sh tests/ops/prometheus.sh
EXTRA_DIST += tests/ops/check_exprs.sh tests/ops/prometheus.sh \
	contrib/prometheus/alerts.yml contrib/prometheus/alerts.test.yml \
	contrib/prometheus/prometheus.yml.example contrib/prometheus/check_exprs.py \
	contrib/prometheus/testdata/metrics.txt contrib/grafana/lendgate.json \
	docs/monitoring.md
# The systemd units, sysusers.d and tmpfiles.d files (contrib/systemd/local.mk).
TESTS += tests/ops/systemd.sh
EXTRA_DIST += tests/ops/systemd.sh
# The hardening of the built programs, read back with readelf (configure.ac).
TESTS += tests/ops/hardening.sh
EXTRA_DIST += tests/ops/hardening.sh
# The Debian package: build, lintian, and (as root) install, remove and purge.
TESTS += tests/ops/deb.sh
EXTRA_DIST += tests/ops/deb.sh
# docs/troubleshooting.md against the error messages of src/http, src/service and
# etc/errors (also run by make distcheck: it needs only python3 and the sources).
TESTS += tests/ops/troubleshooting.sh
EXTRA_DIST += tests/ops/troubleshooting.sh tests/ops/error_messages.py
# The operators' documents (docs/scale-out.md, docs/operations.md) name only settings
# that exist.
TESTS += tests/ops/settings_named.sh
EXTRA_DIST += tests/ops/settings_named.sh
