# src/store: the store contract (store.c dispatches to a backend by name) and loan
# event payloads. The backends live beside it: sqlite/ (the embedded default) and
# mongo/ (several hosts), each with its own local.mk.
liblendgate_a_SOURCES += src/store/store.c src/store/store_copy.c src/store/events.c
noinst_HEADERS += include/lendgate/store.h include/lendgate/store_backend.h \
	include/lendgate/store_copy.h \
	include/lendgate/events.h
