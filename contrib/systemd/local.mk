# systemd: the units of the FastCGI master (socket-activated), dispatch and reconcile,
# and the sysusers.d and tmpfiles.d files, made from contrib/systemd/*.in with the
# install paths filled in by make (so `make prefix=DIR` gives units that name DIR).
# `--with-systemdsystemunitdir=no` installs none of them.
lg_systemd_units = contrib/systemd/lendgate-dispatch.service \
	contrib/systemd/lendgate-reconcile.service contrib/systemd/lendgate-fcgi.service \
	contrib/systemd/lendgate-fcgi.socket
lg_systemd_sysusers = contrib/systemd/sysusers.d/lendgate.conf
lg_systemd_tmpfiles = contrib/systemd/tmpfiles.d/lendgate.conf
lg_systemd_templates = $(lg_systemd_units:=.in) contrib/systemd/lendgate.sysusers.in \
	contrib/systemd/lendgate.tmpfiles.in
EXTRA_DIST += $(lg_systemd_templates)
CLEANFILES += $(lg_systemd_units) $(lg_systemd_sysusers) $(lg_systemd_tmpfiles)
if HAVE_SYSTEMD_UNITS
lg_systemd_installed = yes
systemdsystemunit_DATA = $(lg_systemd_units)
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = $(lg_systemd_sysusers)
tmpfilesdir = $(prefix)/lib/tmpfiles.d
tmpfiles_DATA = $(lg_systemd_tmpfiles)
else
lg_systemd_installed = no
noinst_DATA = $(lg_systemd_units) $(lg_systemd_sysusers) $(lg_systemd_tmpfiles)
endif

lg_systemd_sed = sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@libexecdir[@]|$(libexecdir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' -e 's|@webgroup[@]|$(LG_WEB_GROUP)|g'
# The paths the files were made with: `make install prefix=DIR` after a plain `make`
# remakes them when a path differs.
lg_systemd_stamp = contrib/systemd/paths.stamp
CLEANFILES += $(lg_systemd_stamp)
$(lg_systemd_stamp): lg-systemd-paths
	@$(MKDIR_P) $(@D); \
	echo '$(bindir) $(libexecdir) $(sysconfdir) $(localstatedir) $(runstatedir) $(LG_WEB_GROUP)' >$@.tmp; \
	if cmp -s $@ $@.tmp; then rm -f $@.tmp; else mv $@.tmp $@; fi
lg-systemd-paths:
.PHONY: lg-systemd-paths
lg_systemd_edit = $(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && $(lg_systemd_sed)
lg_systemd_done = >$@.tmp && mv $@.tmp $@

contrib/systemd/lendgate-dispatch.service: $(srcdir)/contrib/systemd/lendgate-dispatch.service.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/$@.in $(lg_systemd_done)
contrib/systemd/lendgate-reconcile.service: $(srcdir)/contrib/systemd/lendgate-reconcile.service.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/$@.in $(lg_systemd_done)
contrib/systemd/lendgate-fcgi.service: $(srcdir)/contrib/systemd/lendgate-fcgi.service.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/$@.in $(lg_systemd_done)
contrib/systemd/lendgate-fcgi.socket: $(srcdir)/contrib/systemd/lendgate-fcgi.socket.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/$@.in $(lg_systemd_done)
$(lg_systemd_sysusers): $(srcdir)/contrib/systemd/lendgate.sysusers.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/contrib/systemd/lendgate.sysusers.in $(lg_systemd_done)
$(lg_systemd_tmpfiles): $(srcdir)/contrib/systemd/lendgate.tmpfiles.in $(lg_systemd_stamp)
	$(lg_systemd_edit) $(srcdir)/contrib/systemd/lendgate.tmpfiles.in $(lg_systemd_done)

# tests/ops/systemd.sh: every template through the same substitution into
# LG_SYSTEMD_RENDER_DIR, with paths given on the command line (bindir=... etc.),
# leaving the build tree's own files alone.
systemd-render:
	@test -n "$(LG_SYSTEMD_RENDER_DIR)" || { \
	  echo "usage: make systemd-render LG_SYSTEMD_RENDER_DIR=DIR [bindir=DIR ...]" >&2; exit 2; }
	@set -e; for t in $(lg_systemd_templates); do \
	  $(lg_systemd_sed) $(srcdir)/$$t >"$(LG_SYSTEMD_RENDER_DIR)/`basename $$t .in`"; done
.PHONY: systemd-render
