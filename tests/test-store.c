/* The storage contract on every backend: memory, SQLite, a host-style
 * backend, and deliberately faulty ones (errors surface, nothing is
 * acknowledged that was not stored). */
#include "backends.h"
#include "host-store.h"
#include "store-contract.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static void run_all(contract_factory make)
{
    for (size_t i = 0; i < contract_ncases; i++) {
        const char *m = contract_run(i, make, NULL);
        ck_assert_msg(m == NULL, "%s", m ? m : "");
    }
}

START_TEST(contract_memory) { run_all(factory_memory); }
END_TEST
START_TEST(contract_sqlite) { run_all(factory_sqlite); }
END_TEST
START_TEST(contract_host) { run_all(factory_host); }
END_TEST

static int factory_lie(hcode_store **out, void *arg)
{
    (void)arg;
    return host_store_open(out, FAULT_LIE, 0, NULL);
}
static int factory_garbage(hcode_store **out, void *arg)
{
    (void)arg;
    return host_store_open(out, FAULT_GARBAGE, 0, NULL);
}
static int factory_bad_record(hcode_store **out, void *arg)
{
    (void)arg;
    return host_store_open(out, FAULT_BAD_RECORD, 0, NULL);
}

/* The contract suite catches each faulty backend. */
START_TEST(contract_catches_faulty_backends)
{
    ck_assert_ptr_nonnull(contract_run(0, factory_lie, NULL));
    ck_assert_ptr_nonnull(strstr(contract_run(0, factory_garbage, NULL), "returned -15"));
    ck_assert_ptr_nonnull(strstr(contract_run(0, factory_bad_record, NULL), "returned -15"));
}
END_TEST

static hcode_record mk(const char *id, int64_t at)
{
    hcode_record r = {id, "0123456789abcdef0123456789abcdef", "V1", "", at, HCODE_RECORD_IN, HCODE_GREEN};
    return r;
}

static const char *ids[] = {"00000000000000000000000000000001", "00000000000000000000000000000002",
                            "00000000000000000000000000000003", "00000000000000000000000000000004"};

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(int *)data)++;
    return 0;
}

START_TEST(fail_nth_put_surfaces)
{
    hcode_store *st;
    host_store *hs;
    ck_assert_int_eq(host_store_open(&st, FAULT_FAIL_NTH, 3, &hs), 0);
    for (int i = 0; i < 4; i++) {
        hcode_record r = mk(ids[i], 100 + i);
        ck_assert_int_eq(hcode_store_put(st, &r), i == 2 ? HCODE_EIO : HCODE_OK);
    }
    ck_assert_ptr_nonnull(strstr(hcode_store_errmsg(st), "") );
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 1000, count_cb, &n), 0);
    ck_assert_int_eq(n, 3);
    hcode_store_free(st);
}
END_TEST

START_TEST(batch_fallback_stops_at_failure)
{
    hcode_store *st;
    host_store *hs;
    ck_assert_int_eq(host_store_open(&st, FAULT_FAIL_NTH, 2, &hs), 0);
    hcode_record b[4] = {mk(ids[0], 1), mk(ids[1], 2), mk(ids[2], 3), mk(ids[3], 4)};
    ck_assert_int_eq(hcode_store_put_batch(st, b, 4), HCODE_EIO);
    ck_assert_int_eq(host_store_puts(hs), 2);  /* stopped at the failure */
    /* retrying the whole batch is safe: ids make it idempotent */
    ck_assert_int_eq(hcode_store_put_batch(st, b, 4), 0);
    ck_assert_uint_eq(host_store_count(hs), 4);
    hcode_store_free(st);
}
END_TEST

START_TEST(garbage_codes_become_ecallback)
{
    hcode_store *st;
    ck_assert_int_eq(host_store_open(&st, FAULT_GARBAGE, 0, NULL), 0);
    hcode_record r = mk(ids[0], 1);
    ck_assert_int_eq(hcode_store_put(st, &r), HCODE_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(hcode_store_errmsg(st), "returned 7"));
    int n = 0;
    ck_assert_int_eq(hcode_store_query_subject(st, r.subject, 0, 10, count_cb, &n), HCODE_ECALLBACK);
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), HCODE_ECALLBACK);
    hcode_store_free(st);
}
END_TEST

START_TEST(bad_records_never_reach_the_caller)
{
    hcode_store *st;
    host_store *hs;
    ck_assert_int_eq(host_store_open(&st, FAULT_BAD_RECORD, 0, &hs), 0);
    hcode_record r = mk(ids[0], 1);
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), HCODE_ECALLBACK);
    ck_assert_int_eq(n, 0);
    hcode_store_free(st);
}
END_TEST

/* Check-in through faulty backends: no admission without a confirmed record. */
static void checkin_with(hcode_store *st, int want_rc)
{
    hcode_ctx *ctx;
    hcode_keypair *kp;
    char *person, *venue;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "ID-1", HCODE_GREEN, 1795330000, 0, NULL, 0, NULL, &person), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "V1", "Mall", NULL, NULL, 1795330000, 0, &venue), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    hcode_admission *a = (hcode_admission *)1;
    ck_assert_int_eq(hcode_checkin(ctx, person, venue, "g", 1795340000, &a), want_rc);
    if (want_rc) {
        ck_assert_ptr_null(a);
        ck_assert_str_ne(hcode_errmsg(ctx), "");
    } else {
        ck_assert(hcode_admission_admitted(a));
        hcode_admission_free(a);
    }
    hcode_free(person);
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}

START_TEST(checkin_not_acknowledged_by_faulty_backends)
{
    hcode_store *st;
    ck_assert_int_eq(host_store_open(&st, FAULT_LIE, 0, NULL), 0);
    checkin_with(st, HCODE_ESTORE);
    ck_assert_int_eq(host_store_open(&st, FAULT_GARBAGE, 0, NULL), 0);
    checkin_with(st, HCODE_ECALLBACK);
    ck_assert_int_eq(host_store_open(&st, FAULT_FAIL_NTH, 1, NULL), 0);
    checkin_with(st, HCODE_EIO);
    ck_assert_int_eq(host_store_open(&st, FAULT_NONE, 0, NULL), 0);
    checkin_with(st, 0);
}
END_TEST

static int dummy_put(void *s, const hcode_record *r) { (void)s; (void)r; return 0; }
static int dummy_q(void *s, const char *k, int64_t f, int64_t t, hcode_record_cb cb, void *d)
{
    (void)s; (void)k; (void)f; (void)t; (void)cb; (void)d;
    return 0;
}

START_TEST(registration_checks)
{
    hcode_store *st = (hcode_store *)1;
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), HCODE_EINVAL); /* no methods */
    ck_assert_ptr_null(st);
    ops.put = dummy_put;
    ops.query_subject = dummy_q;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), HCODE_EINVAL); /* no query_venue */
    ops.query_venue = dummy_q;
    ops.version = 0;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), HCODE_EUNSUPPORTED);
    ops.version = HCODE_STORE_VERSION + 1;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), HCODE_EUNSUPPORTED);
    ops.version = HCODE_STORE_VERSION;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), 0);
    /* optional methods missing: fallbacks or HCODE_EUNSUPPORTED */
    hcode_record r = mk(ids[0], 1);
    ck_assert_int_eq(hcode_store_put_batch(st, &r, 1), 0);
    hcode_store_free(st);
    ck_assert_uint_eq(hcode_store_ops_size(), sizeof(hcode_store_ops));
}
END_TEST

/* A version-2 backend whose query_subjects answers a subject nobody asked
 * for, and one version-1 struct whose (absent) query_subjects field holds
 * garbage: the library must not read it. */
static int qss_calls;
static int bad_qss(void *s, const char *const *subj, size_t n, int64_t f, int64_t t, hcode_record_cb cb, void *d)
{
    (void)s; (void)subj; (void)n; (void)t;
    qss_calls++;
    hcode_record r = mk(ids[0], f);
    r.subject = "ffffffffffffffffffffffffffffffff";
    return cb(&r, d);
}
static int one_q(void *s, const char *k, int64_t f, int64_t t, hcode_record_cb cb, void *d)
{
    (void)s; (void)t;
    hcode_record r = mk(ids[1], f);
    r.subject = k;
    return cb(&r, d);
}

START_TEST(query_subjects_batch_and_fallback)
{
    const char *subs[] = {"0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff"};
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = dummy_put;
    ops.query_subject = one_q;
    ops.query_venue = dummy_q;
    ops.query_subjects = bad_qss;
    hcode_store *st;
    int n = 0;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), 0);
    ck_assert_int_eq(hcode_store_query_subjects(st, subs, 2, 10, 20, count_cb, &n), HCODE_ECALLBACK);
    ck_assert_int_eq(qss_calls, 1);
    ck_assert_int_eq(n, 0);
    const char *bad[] = {"not-hex"};
    ck_assert_int_eq(hcode_store_query_subjects(st, bad, 1, 10, 20, count_cb, &n), HCODE_EINVAL);
    hcode_store_free(st);
    /* version 1: query_subjects is not part of the struct; per-subject fallback */
    ops.version = 1;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), 0);
    qss_calls = 0;
    ck_assert_int_eq(hcode_store_query_subjects(st, subs, 2, 10, 20, count_cb, &n), 0);
    ck_assert_int_eq(qss_calls, 0);
    ck_assert_int_eq(n, 2);
    hcode_store_free(st);
    /* the built-in backends answer for several subjects */
    ck_assert_int_eq(hcode_store_open(&st, ":memory:"), 0);
    hcode_record a = mk(ids[0], 100), b = mk(ids[1], 150), c = mk(ids[2], 160);
    b.subject = subs[1];
    c.subject = "ffffffffffffffffffffffffffffffff";
    ck_assert_int_eq(hcode_store_put(st, &a), 0);
    ck_assert_int_eq(hcode_store_put(st, &b), 0);
    ck_assert_int_eq(hcode_store_put(st, &c), 0);
    n = 0;
    ck_assert_int_eq(hcode_store_query_subjects(st, subs, 2, 0, 1000, count_cb, &n), 0);
    ck_assert_int_eq(n, 2);
    hcode_store_free(st);
}
END_TEST

START_TEST(open_by_uri)
{
    hcode_store *st = NULL;
    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
#ifndef HCODE_HAVE_PG
    ck_assert_int_eq(hcode_store_open(&st, "postgresql://localhost/x"), HCODE_EUNSUPPORTED);
    ck_assert_int_eq(hcode_ctx_open_store(ctx, "postgresql://localhost/x"), HCODE_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "PostgreSQL"));
#else
    /* nothing listens on port 1: a clear error, no store */
    ck_assert_int_eq(hcode_store_open(&st, "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"), HCODE_ESTORE);
    ck_assert_ptr_null(st);
    ck_assert_int_eq(hcode_ctx_open_store(ctx, "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"), HCODE_ESTORE);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "PostgreSQL"));
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "127.0.0.1"));
#endif
    ck_assert_int_eq(hcode_ctx_open_store(ctx, "/nonexistent-dir/x.db"), HCODE_EIO);
    const char *d = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/notdb", d);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough to be a header........", f);
    fclose(f);
    ck_assert_int_ne(hcode_ctx_open_store(ctx, path), 0);
    ck_assert_str_ne(hcode_errmsg(ctx), "");
    hcode_ctx_free(ctx);
}
END_TEST

/* SQLite specifics: durability defaults and size, idempotence across reopen. */
START_TEST(sqlite_reopen_keeps_records)
{
    hcode_store *st;
    ck_assert_int_eq(factory_sqlite(&st, NULL), 0);
    char path[512];
    snprintf(path, sizeof path, "%s", factory_sqlite_last_path());
    hcode_record r = mk(ids[0], 5);
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    hcode_store_free(st);
    ck_assert_int_eq(hcode_store_sqlite_open(&st, path, HCODE_SQLITE_SYNC_NORMAL), 0);
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), 0);
    ck_assert_int_eq(n, 1);
    hcode_store_free(st);
    ck_assert_int_eq(hcode_store_sqlite_open(&st, path, 0x80), HCODE_EINVAL);
}
END_TEST

/* Record ids sharing their first 8 bytes still each store once. */
START_TEST(sqlite_record_id_prefix_collision)
{
    hcode_store *st;
    ck_assert_int_eq(factory_sqlite(&st, NULL), 0);
    const char *a = "1111111111111111aaaaaaaaaaaaaaaa", *b = "1111111111111111bbbbbbbbbbbbbbbb",
               *c = "1111111111111112cccccccccccccccc";
    hcode_record ra = mk(a, 1), rb = mk(b, 2), rc = mk(c, 3);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(hcode_store_put(st, &ra), 0);
        ck_assert_int_eq(hcode_store_put(st, &rb), 0);
        ck_assert_int_eq(hcode_store_put(st, &rc), 0);
    }
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), 0);
    ck_assert_int_eq(n, 3);
    hcode_store_free(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("contract");
    tcase_add_test(tc, contract_memory);
    tcase_add_test(tc, contract_sqlite);
    tcase_add_test(tc, contract_host);
    tcase_add_test(tc, contract_catches_faulty_backends);
    suite_add_tcase(s, tc);
    tc = tcase_create("faults");
    tcase_add_test(tc, fail_nth_put_surfaces);
    tcase_add_test(tc, batch_fallback_stops_at_failure);
    tcase_add_test(tc, garbage_codes_become_ecallback);
    tcase_add_test(tc, bad_records_never_reach_the_caller);
    tcase_add_test(tc, checkin_not_acknowledged_by_faulty_backends);
    tcase_add_test(tc, registration_checks);
    tcase_add_test(tc, query_subjects_batch_and_fallback);
    tcase_add_test(tc, open_by_uri);
    suite_add_tcase(s, tc);
    tc = tcase_create("sqlite");
    tcase_add_test(tc, sqlite_reopen_keeps_records);
    tcase_add_test(tc, sqlite_record_id_prefix_collision);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
