# etc: what `make install` lays out besides the programs (src/bin/local.mk puts
# lendgatectl in $(bindir) and lendgate.fcgi in $(pkglibexecdir)), as a system
# service has it:
#
#   $(sysconfdir)/lendgate/lendgate.conf            from the example, only when absent
#   $(sysconfdir)/lendgate/lendgate.conf.example    always
#   $(sysconfdir)/lendgate/partner_platforms.json.example
#   $(sysconfdir)/lighttpd/conf-available/50-lendgate.conf
#   $(sysconfdir)/lighttpd/conf-available/50-lendgate-socket.conf  (the responders run
#                                                 by systemd's socket, not spawned)
#   $(sysconfdir)/apache2/conf-available/lendgate.conf
#   $(sysconfdir)/apache2/conf-available/lendgate-socket.conf  (mod_proxy_fcgi: Apache
#                                                 only connects to the same socket)
#   $(pkgdatadir)/errors/status-NNN.html            (src/http/local.mk)
#   $(pkgdatadir)/openapi.yaml
#   $(pkgdatadir)/docs/index.html                   the API reference page, when built (below)
#   $(docdir)/README.md, $(docdir)/*.md
#   $(localstatedir)/lib/lendgate/                  mode 0700, created when absent
#
# Ownership is left to packaging and systemd-tmpfiles: install never chowns. The
# FastCGI sockets' directory, $(runstatedir)/lendgate, is not installed either (it is
# emptied at boot); the snippets name it.
#
# etc/*.conf are written for the system layout (/usr/libexec, /etc, /usr/share,
# /run, /var/lib); they stay readable as documentation and are what the tests run.
# The installed copies are made by sed at make time, not by configure, so
# `make prefix=... install` writes the paths it installs to. The sed turns each
# system path into a marker first, then each marker into the configured path, so a
# configured path is never rewritten twice.

pkgsysconfdir = $(sysconfdir)/lendgate
pkgstatedir = $(localstatedir)/lib/lendgate
lglighttpddir = $(sysconfdir)/lighttpd/conf-available
lgapachedir = $(sysconfdir)/apache2/conf-available

# The compiled-in defaults follow the same layout (src/core/config.c): the
# configuration file, [store] state_dir and path, [chain] platform_key_file.
AM_CPPFLAGS += -DLG_PKGSYSCONFDIR='"$(pkgsysconfdir)"' -DLG_PKGSTATEDIR='"$(pkgstatedir)"'

lg_edit_paths = sed \
	-e 's|/usr/libexec/lendgate/|@LG_PKGLIBEXECDIR@/|g' \
	-e 's|/usr/share/lendgate/|@LG_PKGDATADIR@/|g' \
	-e 's;/etc/lendgate\([/ ",]\|$$\);@LG_PKGSYSCONFDIR@\1;g' \
	-e 's|/etc/lighttpd/|@LG_SYSCONFDIR@/lighttpd/|g' \
	-e 's|/etc/apache2/|@LG_SYSCONFDIR@/apache2/|g' \
	-e 's;/var/lib/lendgate\([/ ",]\|$$\);@LG_PKGSTATEDIR@\1;g' \
	-e 's;/run/lendgate\([/ ",]\|$$\);@LG_RUNSTATEDIR@/lendgate\1;g' \
	-e 's|@LG_PKGLIBEXECDIR@|$(pkglibexecdir)|g' \
	-e 's|@LG_PKGDATADIR@|$(pkgdatadir)|g' \
	-e 's|@LG_PKGSYSCONFDIR@|$(pkgsysconfdir)|g' \
	-e 's|@LG_SYSCONFDIR@|$(sysconfdir)|g' \
	-e 's|@LG_PKGSTATEDIR@|$(pkgstatedir)|g' \
	-e 's|@LG_RUNSTATEDIR@|$(runstatedir)|g'

# Built in the build tree under names that cannot meet the sources' in an in-tree
# build (etc/lendgate/, etc/lighttpd/, etc/apache2/).
nodist_pkgsysconf_DATA = etc/lendgate/lendgate.conf.example \
	etc/lendgate/partner_platforms.json.example
nodist_lglighttpd_DATA = etc/lighttpd/50-lendgate.conf etc/lighttpd/50-lendgate-socket.conf
nodist_lgapache_DATA = etc/apache2/lendgate.conf etc/apache2/lendgate-socket.conf
CLEANFILES += $(nodist_pkgsysconf_DATA) $(nodist_lglighttpd_DATA) $(nodist_lgapache_DATA)

etc/lendgate/lendgate.conf.example: $(srcdir)/etc/lendgate.conf.example Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/lendgate && \
	$(lg_edit_paths) $(srcdir)/etc/lendgate.conf.example >$@.tmp && mv $@.tmp $@
etc/lendgate/partner_platforms.json.example: $(srcdir)/etc/partner_platforms.json
	$(AM_V_GEN)$(MKDIR_P) etc/lendgate && cp $(srcdir)/etc/partner_platforms.json $@.tmp && \
	chmod u+w $@.tmp && mv $@.tmp $@
etc/lighttpd/50-lendgate.conf: $(srcdir)/etc/lighttpd-lendgate.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/lighttpd && \
	$(lg_edit_paths) $(srcdir)/etc/lighttpd-lendgate.conf >$@.tmp && mv $@.tmp $@
etc/lighttpd/50-lendgate-socket.conf: $(srcdir)/etc/lighttpd-lendgate-socket.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/lighttpd && \
	$(lg_edit_paths) $(srcdir)/etc/lighttpd-lendgate-socket.conf >$@.tmp && mv $@.tmp $@
etc/apache2/lendgate.conf: $(srcdir)/etc/apache-lendgate.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/apache2 && \
	$(lg_edit_paths) $(srcdir)/etc/apache-lendgate.conf >$@.tmp && mv $@.tmp $@
etc/apache2/lendgate-socket.conf: $(srcdir)/etc/apache-lendgate-socket.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/apache2 && \
	$(lg_edit_paths) $(srcdir)/etc/apache-lendgate-socket.conf >$@.tmp && mv $@.tmp $@

# The API contract, and the documentation (not openapi.yaml, which is data).
dist_pkgdata_DATA += docs/openapi.yaml
dist_doc_DATA += docs/api.md docs/benchmarks.md docs/contracts.md docs/monitoring.md \
	docs/operations.md docs/security.md docs/webhooks.md docs/partner-guide.md docs/onboarding.md \
	docs/troubleshooting.md docs/scale-out.md

# The API reference page (configure --enable-api-docs, default auto): docs/openapi.yaml
# rendered by Redoc into one self-contained HTML file by contrib/openapi/build-docs.mjs,
# with the pinned Redocly CLI in contrib/openapi/node_modules (npm ci --prefix
# contrib/openapi; contrib/openapi/lint.sh does it too). make builds it when node and
# those modules are there; when they are not, auto says so and builds everything else
# (the C parts need neither), yes fails. It is installed as $(pkgdatadir)/docs/index.html,
# beside openapi.yaml and the error pages, because the web servers serve it (at /docs):
# it is data the running service uses, and $(docdir) is not for that (an administrator
# may leave /usr/share/doc out of a system, dpkg's path-exclude).
lg_api_docs_page = docs/reference/index.html
lg_api_docs_tool = $(srcdir)/contrib/openapi/build-docs.mjs
lg_api_docs_cli = $(srcdir)/contrib/openapi/node_modules/@redocly/cli/bin/cli.js
lg_node_18_17 = const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 17) ? 0 : 1)
all-local: lg-api-docs
lg-api-docs:
	@test '$(LG_API_DOCS)' != no || exit 0; \
	why=; \
	if test -z '$(NODE)'; then \
	  why='node was not found by configure (Node.js 18.17 or later: apt-get install nodejs npm)'; \
	elif ! '$(NODE)' -e '$(lg_node_18_17)'; then \
	  why="Node.js 18.17 or later is needed, $(NODE) is `'$(NODE)' --version`"; \
	elif test ! -f '$(lg_api_docs_cli)'; then \
	  why='the pinned Redocly CLI is not installed (npm ci --prefix $(srcdir)/contrib/openapi)'; \
	fi; \
	if test -n "$$why"; then \
	  if test '$(LG_API_DOCS)' = yes; then echo "error: the API reference page: $$why" >&2; exit 1; fi; \
	  echo "the API reference page is not built: $$why"; exit 0; \
	fi; \
	$(MAKE) $(AM_MAKEFLAGS) -s --no-print-directory $(lg_api_docs_page)
$(lg_api_docs_page): $(srcdir)/docs/openapi.yaml $(lg_api_docs_tool) \
		$(srcdir)/contrib/openapi/docs-template.hbs $(srcdir)/contrib/openapi/package-lock.json
	$(AM_V_GEN)$(MKDIR_P) docs/reference && \
	'$(NODE)' $(lg_api_docs_tool) $(srcdir)/docs/openapi.yaml $@.tmp >/dev/null && mv $@.tmp $@
CLEANFILES += $(lg_api_docs_page) $(lg_api_docs_page).tmp

install-data-local: lg-install-api-docs
lg-install-api-docs:
	@dir='$(DESTDIR)$(pkgdatadir)/docs'; \
	if test -f $(lg_api_docs_page); then \
	  echo " $(MKDIR_P) '$$dir'"; $(MKDIR_P) "$$dir" || exit 1; \
	  echo " $(INSTALL_DATA) $(lg_api_docs_page) '$$dir/index.html'"; \
	  $(INSTALL_DATA) $(lg_api_docs_page) "$$dir/index.html" || exit 1; \
	elif test '$(LG_API_DOCS)' != no; then \
	  echo " the API reference page was not built: $$dir/index.html not installed"; \
	fi
uninstall-local: lg-uninstall-api-docs
lg-uninstall-api-docs:
	@dir='$(DESTDIR)$(pkgdatadir)/docs'; \
	if test -f "$$dir/index.html"; then echo " rm -f '$$dir/index.html'"; rm -f "$$dir/index.html"; fi; \
	if test -d "$$dir"; then rmdir "$$dir" 2>/dev/null || :; fi

.PHONY: lg-api-docs lg-install-api-docs lg-uninstall-api-docs

# lendgate.conf is the operator's: written from the example only when there is none,
# never overwritten. The state directory is made 0700 when absent (lendgatectl init
# makes it too); an existing one keeps its mode and owner.
install-data-hook: lg-install-conf-and-state
lg-install-conf-and-state:
	@conf='$(DESTDIR)$(pkgsysconfdir)/lendgate.conf'; \
	if test -e "$$conf"; then \
	  echo " keeping $$conf"; \
	else \
	  echo " $(INSTALL) -m 0640 etc/lendgate/lendgate.conf.example '$$conf'"; \
	  $(INSTALL) -m 0640 etc/lendgate/lendgate.conf.example "$$conf" || exit 1; \
	fi
	@state='$(DESTDIR)$(pkgstatedir)'; \
	if test ! -d "$$state"; then \
	  echo " $(INSTALL) -d -m 0700 '$$state'"; \
	  $(INSTALL) -d -m 0700 "$$state" || exit 1; \
	fi

# make uninstall removes what install added: lendgate.conf only while it is still the
# example (an operator's edited file stays), never the state directory or its data.
uninstall-hook: lg-uninstall-conf
lg-uninstall-conf:
	@conf='$(DESTDIR)$(pkgsysconfdir)/lendgate.conf'; \
	if test -f "$$conf" && cmp -s etc/lendgate/lendgate.conf.example "$$conf"; then \
	  echo " rm -f '$$conf'"; rm -f "$$conf"; \
	elif test -e "$$conf"; then \
	  echo " keeping $$conf (changed since install)"; \
	fi

# The installed directories, expanded, for tests/ops/install.sh.
lg-install-dirs:
	@echo "prefix=$(prefix)"; echo "bindir=$(bindir)"; \
	echo "pkglibexecdir=$(pkglibexecdir)"; echo "sysconfdir=$(sysconfdir)"; \
	echo "pkgsysconfdir=$(pkgsysconfdir)"; echo "pkgdatadir=$(pkgdatadir)"; \
	echo "docdir=$(docdir)"; echo "mandir=$(mandir)"; echo "pkgstatedir=$(pkgstatedir)"; \
	echo "runstatedir=$(runstatedir)"; echo "units=$(lg_systemd_installed)"; \
	echo "systemdsystemunitdir=$(systemdsystemunitdir)"; echo "sysusersdir=$(sysusersdir)"; \
	echo "tmpfilesdir=$(tmpfilesdir)"

.PHONY: lg-install-conf-and-state lg-uninstall-conf lg-install-dirs

# tests/ops/install.sh: make install into a DESTDIR, then the installed files alone
# run: lendgatectl, init and migrate from the installed lendgate.conf, lighttpd and
# Apache with each installed snippet, systemd-analyze verify on the installed units,
# the installed man pages; a second install keeps an edited lendgate.conf and make
# uninstall leaves only it and the state directory.
TESTS += tests/ops/install.sh
EXTRA_DIST += tests/ops/install.sh
