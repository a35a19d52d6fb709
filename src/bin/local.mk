# bin: thin mains over the service layer
bin_PROGRAMS += lendgatectl
lendgatectl_SOURCES = src/bin/lendgatectl.c
lendgatectl_LDADD = $(LG_LIBS)
