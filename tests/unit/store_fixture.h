/*
 * store_fixture.h - partners for tests, made the way the service's admin create makes
 * them: lg_store_partner_onboard, the partner and its first API key in one
 * transaction (here without an audit row). Only store.h is used, so the conformance
 * suite can share it with the SQLite-only tests.
 */
#ifndef LENDGATE_TEST_STORE_FIXTURE_H
#define LENDGATE_TEST_STORE_FIXTURE_H

#include <lendgate/store.h>

/*
 * Onboards partner p with a first key of its own: a "live" key whose hash no other
 * call in this process gave (the key text itself is never made; a test that must
 * authenticate adds a key it knows with lg_store_key_rotate).
 * Out: *key (may be NULL) = the key given to the store, with the id it got.
 * Returns what lg_store_partner_onboard returns.
 */
lg_err lg_test_partner_add(lg_store *st, const lg_partner *p, lg_api_key *key);

#endif
