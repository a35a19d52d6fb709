# Integration tests: shell drivers over the built programs, a real SQLite file,
# and (later) the devnet and a real web server.
TESTS += tests/integration/ctl_init.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/ctl_init.sh
