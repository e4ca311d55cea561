/* Storage callbacks that misbehave: re-enter the library, block, return
 * unknown codes, or lie. Each has a defined outcome (include/hcode/sys/
 * store.h); faults the contract suite does not already cover. */
#include "host-store.h"

#include <check.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 INT64_C(1795340000)
#define SUBJ "0123456789abcdef0123456789abcdef"

static hcode_record mk(const char *id, int64_t at)
{
    hcode_record r = {id, SUBJ, "V1", "", at, HCODE_RECORD_IN, HCODE_GREEN};
    return r;
}

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(int *)data)++;
    return 0;
}

/* A small host backend whose methods do what the test says. */
typedef struct shady {
    hcode_store *st;   /* the store wrapping this backend */
    hcode_ctx *ctx;    /* the context using it */
    const char *person, *venue;
    int mode;
    int put_rc;        /* MODE_CODE: what every method returns */
    int inner_rc;      /* what the re-entrant call got */
    int stored;
    int waited_ms;
} shady;

enum { MODE_REENTER_PUT, MODE_REENTER_CHECKIN, MODE_BLOCK, MODE_CODE, MODE_OUT_OF_RANGE };

static int sh_put(void *self, const hcode_record *r)
{
    shady *s = self;
    switch (s->mode) {
    case MODE_REENTER_PUT: {
        hcode_record again = *r;
        s->inner_rc = hcode_store_put(s->st, &again);
        s->stored++;
        return 0;
    }
    case MODE_REENTER_CHECKIN: {
        hcode_admission *a = (hcode_admission *)1;
        s->inner_rc = hcode_checkin(s->ctx, s->person, s->venue, "g2", T0 + 5, &a);
        if (a == (hcode_admission *)1 || a != NULL)
            s->inner_rc = 12345; /* an admission came out of a failed call */
        return s->inner_rc;  /* passes the failure on */
    }
    case MODE_BLOCK:
        /* waits for a lock that never comes free, up to its own deadline */
        for (s->waited_ms = 0; s->waited_ms < 200; s->waited_ms += 20)
            usleep(20000);
        return HCODE_EBUSY;
    case MODE_CODE:
        return s->put_rc;
    default:
        s->stored++;
        return 0;
    }
}

static int sh_query(void *self, const char *key, int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    shady *s = self;
    (void)key;
    if (s->mode == MODE_CODE)
        return s->put_rc;
    if (s->mode == MODE_OUT_OF_RANGE) {
        /* claims success, hands out a record from outside the window */
        hcode_record r = mk("00000000000000000000000000000009", to + 100);
        (void)from;
        return cb(&r, data);
    }
    return 0;
}

static int sh_purge(void *self, int64_t before, uint64_t *removed)
{
    shady *s = self;
    (void)before;
    *removed = 0;
    return s->put_rc;
}

static hcode_store *shady_open(shady *s)
{
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = sh_put;
    ops.query_subject = sh_query;
    ops.query_venue = sh_query;
    ops.purge_before = sh_purge;
    hcode_store *st = NULL;
    ck_assert_int_eq(hcode_store_new(&st, &ops, s), 0);
    s->st = st;
    return st;
}

START_TEST(reentrant_put_is_ebusy)
{
    shady s = {.mode = MODE_REENTER_PUT};
    hcode_store *st = shady_open(&s);
    hcode_record r = mk("00000000000000000000000000000001", 1);
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    ck_assert_int_eq(s.inner_rc, HCODE_EBUSY);
    ck_assert_int_eq(s.stored, 1);
    /* the guard is released afterwards */
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    ck_assert_int_eq(s.stored, 2);
    hcode_store_free(st);
}
END_TEST

START_TEST(reentrant_checkin_is_ebusy)
{
    hcode_ctx *ctx;
    hcode_keypair *kp;
    char *person, *venue;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "ID-1", HCODE_GREEN, T0 - 100, 0, NULL, 0, NULL, &person), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "V1", "Mall", NULL, NULL, T0 - 100, 0, &venue), 0);
    shady s = {.mode = MODE_REENTER_CHECKIN, .person = person, .venue = venue};
    ck_assert_int_eq(hcode_ctx_set_store(ctx, shady_open(&s)), 0);
    s.ctx = ctx;
    hcode_admission *a = (hcode_admission *)1;
    ck_assert_int_eq(hcode_checkin(ctx, person, venue, "g1", T0, &a), HCODE_EBUSY);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(s.inner_rc, HCODE_EBUSY);
    hcode_free(person);
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}
END_TEST

/* A query callback that writes to or queries the store it is iterating:
 * EBUSY (on SQLite it would otherwise reset the running statement), and
 * the outer query still delivers every record. */
struct reenter_q {
    hcode_store *st;
    int n, put_rc, query_rc;
};

static int reenter_cb(const hcode_record *r, void *data)
{
    struct reenter_q *q = data;
    q->n++;
    hcode_record x = *r;
    x.record_id = "ffffffffffffffffffffffffffffffff";
    q->put_rc = hcode_store_put(q->st, &x);
    int m = 0;
    q->query_rc = hcode_store_query_venue(q->st, "V1", 0, INT64_MAX, count_cb, &m);
    return 0;
}

START_TEST(query_callback_reentry_on_sqlite)
{
    char dir[] = "/tmp/hcode-misbehave-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/q.db", dir);
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, path), 0);
    const char *ids[3] = {"00000000000000000000000000000001", "00000000000000000000000000000002",
                          "00000000000000000000000000000003"};
    for (int i = 0; i < 3; i++) {
        hcode_record r = mk(ids[i], 10 + i);
        ck_assert_int_eq(hcode_store_put(st, &r), 0);
    }
    struct reenter_q q = {st, 0, 0, 0};
    ck_assert_int_eq(hcode_store_query_subject(st, SUBJ, 0, 100, reenter_cb, &q), 0);
    ck_assert_int_eq(q.n, 3);
    ck_assert_int_eq(q.put_rc, HCODE_EBUSY);
    ck_assert_int_eq(q.query_rc, HCODE_EBUSY);
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, INT64_MAX, count_cb, &n), 0);
    ck_assert_int_eq(n, 3); /* the re-entrant put stored nothing */
    hcode_store_free(st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(blocking_backend_gives_up_with_ebusy)
{
    hcode_ctx *ctx;
    hcode_keypair *kp;
    char *person, *venue;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "ID-1", HCODE_GREEN, T0 - 100, 0, NULL, 0, NULL, &person), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "V1", "Mall", NULL, NULL, T0 - 100, 0, &venue), 0);
    shady s = {.mode = MODE_BLOCK};
    ck_assert_int_eq(hcode_ctx_set_store(ctx, shady_open(&s)), 0);
    hcode_admission *a = (hcode_admission *)1;
    ck_assert_int_eq(hcode_checkin(ctx, person, venue, "g1", T0, &a), HCODE_EBUSY);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(s.waited_ms, 200);
    hcode_free(person);
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}
END_TEST

/* SQLite blocked by another writer's lock: EBUSY after the busy timeout,
 * nothing stored; then the put goes through once the lock is gone. */
START_TEST(sqlite_locked_is_ebusy)
{
    char dir[] = "/tmp/hcode-misbehave-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/l.db", dir);
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, path), 0);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    hcode_record r = mk("00000000000000000000000000000001", 1);
    ck_assert_int_eq(hcode_store_put(st, &r), HCODE_EBUSY);
    ck_assert_ptr_nonnull(strstr(hcode_store_errmsg(st), "locked"));
    ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, INT64_MAX, count_cb, &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(hcode_store_put(st, &r), 0);
    hcode_store_free(st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(unknown_codes_become_ecallback)
{
    static const int codes[] = {1, 7, INT_MAX, HCODE_EBUSY - 1, -1000, INT_MIN};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        shady s = {.mode = MODE_CODE, .put_rc = codes[i]};
        hcode_store *st = shady_open(&s);
        hcode_record r = mk("00000000000000000000000000000001", 1);
        ck_assert_int_eq(hcode_store_put(st, &r), HCODE_ECALLBACK);
        ck_assert_int_eq(hcode_store_put_batch(st, &r, 1), HCODE_ECALLBACK);
        int n = 0;
        ck_assert_int_eq(hcode_store_query_subject(st, SUBJ, 0, 10, count_cb, &n), HCODE_ECALLBACK);
        ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), HCODE_ECALLBACK);
        ck_assert_int_eq(n, 0);
        hcode_ctx *ctx;
        ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
        ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
        uint64_t removed = 99;
        hcode_keypair *kp;
        ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-1"), 0);
        ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
        /* no audit methods: the purge is refused before the backend runs */
        ck_assert_int_eq(hcode_purge(ctx, 100, "alice", "retention", &removed), HCODE_EAUDIT);
        hcode_keypair_free(kp);
        hcode_ctx_free(ctx);
    }
}
END_TEST

START_TEST(query_lying_about_range_is_ecallback)
{
    shady s = {.mode = MODE_OUT_OF_RANGE};
    hcode_store *st = shady_open(&s);
    int n = 0;
    ck_assert_int_eq(hcode_store_query_subject(st, SUBJ, 0, 10, count_cb, &n), HCODE_ECALLBACK);
    ck_assert_int_eq(hcode_store_query_venue(st, "V1", 0, 10, count_cb, &n), HCODE_ECALLBACK);
    ck_assert_int_eq(n, 0);
    hcode_store_free(st);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("store-misbehave");
    TCase *tc = tcase_create("misbehave");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reentrant_put_is_ebusy);
    tcase_add_test(tc, reentrant_checkin_is_ebusy);
    tcase_add_test(tc, query_callback_reentry_on_sqlite);
    tcase_add_test(tc, blocking_backend_gives_up_with_ebusy);
    tcase_add_test(tc, sqlite_locked_is_ebusy);
    tcase_add_test(tc, unknown_codes_become_ecallback);
    tcase_add_test(tc, query_lying_about_range_is_ecallback);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
