# man: the manual pages, written in roff and shipped as they are. They name the
# paths of a system package (/etc/lendgate, /var/lib/lendgate), as etc/*.conf do.
# tests/unit/test_man_conf holds lendgate.conf.5 to the configuration schema (every
# key, its section and default); tests/ops/man_pages.sh holds lendgatectl.8 to the
# commands of `lendgatectl help` and renders every page with warnings on.
dist_man_MANS = man/lendgatectl.8 man/lendgate.fcgi.8 man/lendgate.conf.5

check_PROGRAMS += tests/unit/test_man_conf
tests_unit_test_man_conf_SOURCES = tests/unit/test_man_conf.c
tests_unit_test_man_conf_LDADD = $(LG_TEST_LIBS)

TESTS += tests/ops/man_pages.sh
EXTRA_DIST += tests/ops/man_pages.sh
