# bin: thin mains over the service layer
# lendgatectl goes in $(bindir), on every user's PATH: operators run it as the
# responders' user, who is not root (so not sbin).
bin_PROGRAMS += lendgatectl
lendgatectl_SOURCES = src/bin/lendgatectl.c src/bin/ctl_common.c src/bin/ctl_common.h \
	src/bin/ctl_partner.c src/bin/ctl_partner.h
# `lendgatectl webhook`: the webhook operations
lendgatectl_SOURCES += src/bin/ctl_webhook.c src/bin/ctl_webhook.h
# `lendgatectl store copy`: a whole store into an empty one, verified
lendgatectl_SOURCES += src/bin/ctl_store.c src/bin/ctl_store.h
lendgatectl_LDADD = $(LG_LIBS)
# The FastCGI responder: spawned by the web server, or its own prefork master. A
# program run by other programs, not by users: $(libexecdir)/lendgate/lendgate.fcgi.
pkglibexec_PROGRAMS = lendgate.fcgi
lendgate_fcgi_SOURCES = src/bin/lendgate_fcgi.c
lendgate_fcgi_LDADD = $(LG_LIBS) $(FCGI_LIBS)
# The example partner_platforms.json for `lendgatectl partner import`, the operations
# guide and the security notes.
EXTRA_DIST += etc/partner_platforms.json docs/operations.md docs/security.md
