/* PostgreSQL backend against a real server: writes, idempotency, batches,
 * day partitions, retention, audit, concurrency. */
#include "pg-server.h"
#include "store-private.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char id[33], subject[33], venue[64], gate[64];
    hcode_record r;
} rec_buf;

static void mk(rec_buf *b, unsigned long long id, unsigned subj, const char *venue, int64_t at,
               int kind)
{
    snprintf(b->id, sizeof b->id, "%016llx%016llx", 0xabcdULL, id);
    snprintf(b->subject, sizeof b->subject, "%032x", subj);
    snprintf(b->venue, sizeof b->venue, "%s", venue);
    snprintf(b->gate, sizeof b->gate, "g1");
    b->r = (hcode_record){b->id, b->subject, b->venue, b->gate, at, kind, HCODE_GREEN};
}

static hcode_store *open_fresh(char **uri_out)
{
    char *uri = pg_fresh_db();
    hcode_store *st = NULL;
    int rc = hcode_store_open(&st, uri);
    ck_assert_msg(rc == 0, "open %s: %d", uri, rc);
    if (uri_out)
        *uri_out = uri;
    else
        free(uri);
    return st;
}

struct collect {
    int n;
    char ids[64][33];
    int64_t at[64];
    char venue[64][140];
    char gate[64][140];
};

static int collect_cb(const hcode_record *r, void *data)
{
    struct collect *c = data;
    if (c->n < 64) {
        snprintf(c->ids[c->n], 33, "%s", r->record_id);
        c->at[c->n] = r->at;
        snprintf(c->venue[c->n], 140, "%s", r->venue_id);
        snprintf(c->gate[c->n], 140, "%s", r->gate);
    }
    c->n++;
    return 0;
}

static int stop_cb(const hcode_record *r, void *data)
{
    (void)r;
    ++*(int *)data;
    return 42;
}

static const int64_t T0 = 1795000000;   /* 2026-11-18 */

START_TEST(put_query_roundtrip)
{
    hcode_store *st = open_fresh(NULL);
    rec_buf a, b, c;
    mk(&a, 1, 7, "370102-000123", T0, HCODE_RECORD_IN);
    mk(&b, 2, 7, "370102-000124", T0 + 3600, HCODE_RECORD_OUT);
    mk(&c, 3, 8, "370102-000123", T0 + 10, HCODE_RECORD_IN);
    ck_assert_int_eq(hcode_store_put(st, &a.r), 0);
    ck_assert_int_eq(hcode_store_put(st, &b.r), 0);
    ck_assert_int_eq(hcode_store_put(st, &c.r), 0);
    struct collect col = {0};
    ck_assert_int_eq(hcode_store_query_subject(st, a.subject, T0, T0 + 7200, collect_cb, &col), 0);
    ck_assert_int_eq(col.n, 2);
    memset(&col, 0, sizeof col);
    ck_assert_int_eq(hcode_store_query_subject(st, a.subject, T0, T0 + 3600, collect_cb, &col), 0);
    ck_assert_int_eq(col.n, 1);   /* half-open window */
    ck_assert_str_eq(col.ids[0], a.id);
    ck_assert_int_eq(col.at[0], T0);
    memset(&col, 0, sizeof col);
    ck_assert_int_eq(hcode_store_query_venue(st, "370102-000123", T0 - 100, T0 + 100, collect_cb, &col), 0);
    ck_assert_int_eq(col.n, 2);
    int seen = 0;
    ck_assert_int_eq(hcode_store_query_venue(st, "370102-000123", T0 - 100, T0 + 100, stop_cb, &seen), 42);
    ck_assert_int_eq(seen, 1);
    hcode_store_free(st);
}
END_TEST

START_TEST(put_is_idempotent)
{
    char *uri;
    hcode_store *st = open_fresh(&uri);
    rec_buf a;
    mk(&a, 1, 7, "v1", T0, HCODE_RECORD_IN);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(hcode_store_put(st, &a.r), 0);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), 1);
    /* and a batch containing it again, plus a new one, plus a duplicate within */
    rec_buf b;
    mk(&b, 2, 7, "v1", T0 + 5, HCODE_RECORD_IN);
    hcode_record batch[3] = {a.r, b.r, b.r};
    ck_assert_int_eq(hcode_store_put_batch(st, batch, 3), 0);
    ck_assert_int_eq(hcode_store_put_batch(st, batch, 3), 0);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), 2);
    hcode_store_free(st);
    free(uri);
}
END_TEST

START_TEST(batch_text_escaping_and_days)
{
    char *uri;
    hcode_store *st = open_fresh(&uri);
    static const char *venues[] = {"\\N", "a\\tb", "back\\slash\\", "\xe5\x95\x86\xe5\x9c\xba \"q\"", "x,y;'z'"};
    rec_buf b[5];
    hcode_record r[5];
    for (int i = 0; i < 5; i++) {
        mk(&b[i], (unsigned long long)i + 10, 9, venues[i], T0 + (int64_t)i * 86400, HCODE_RECORD_IN);
        snprintf(b[i].gate, sizeof b[i].gate, "gate\\t%d\\", i);
        b[i].r.gate = b[i].gate;
        r[i] = b[i].r;
    }
    ck_assert_int_eq(hcode_store_put_batch(st, r, 5), 0);
    for (int i = 0; i < 5; i++) {
        struct collect col = {0};
        ck_assert_int_eq(hcode_store_query_venue(st, venues[i], T0 - 86400 * 10, T0 + 86400 * 10, collect_cb, &col), 0);
        ck_assert_int_eq(col.n, 1);
        ck_assert_str_eq(col.venue[0], venues[i]);
        ck_assert_str_eq(col.gate[0], b[i].gate);
        ck_assert_int_eq(col.at[0], T0 + (int64_t)i * 86400);
    }
    /* one partition per UTC day */
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcode_checkin'::regclass"), 5);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM pg_class WHERE relname = 'hcode_checkin_20261118'"), 1);
    /* the time predicate prunes partitions */
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin WHERE at >= 1795000000 AND at < 1795000001"), 1);
    hcode_store_free(st);
    free(uri);
}
END_TEST

START_TEST(extreme_times)
{
    hcode_store *st = open_fresh(NULL);
    rec_buf a, b, c;
    mk(&a, 1, 7, "v", -70000000000LL, HCODE_RECORD_IN);
    mk(&b, 2, 7, "v", 300000000000LL, HCODE_RECORD_IN);
    mk(&c, 3, 7, "v", -1, HCODE_RECORD_IN);
    ck_assert_int_eq(hcode_store_put(st, &a.r), 0);
    hcode_record batch[2] = {b.r, c.r};
    ck_assert_int_eq(hcode_store_put_batch(st, batch, 2), 0);
    struct collect col = {0};
    ck_assert_int_eq(hcode_store_query_subject(st, a.subject, INT64_MIN, INT64_MAX, collect_cb, &col), 0);
    ck_assert_int_eq(col.n, 3);
    hcode_store_free(st);
}
END_TEST

START_TEST(purge_drops_partitions)
{
    char *uri;
    hcode_store *st = open_fresh(&uri);
    enum { N = 50 };
    rec_buf b[N];
    hcode_record r[N];
    int64_t day0 = T0 - T0 % 86400;
    for (int i = 0; i < N; i++) {
        mk(&b[i], (unsigned long long)i, (unsigned)i, "v", day0 + (int64_t)(i % 5) * 86400 + i * 60, HCODE_RECORD_IN);
        r[i] = b[i].r;
    }
    ck_assert_int_eq(hcode_store_put_batch(st, r, N), 0);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcode_checkin'::regclass"), 5);
    uint64_t removed = 0;
    /* cut in the middle of day 2: days 0 and 1 dropped whole, day 2 trimmed */
    int64_t cut = day0 + 2 * 86400 + 30 * 60;
    ck_assert_int_eq(hcode__store_purge_before(st, cut, &removed), 0);
    int expect = 0;
    for (int i = 0; i < N; i++)
        expect += r[i].at < cut;
    ck_assert_int_eq((int)removed, expect);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcode_checkin'::regclass"), 3);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), N - expect);
    /* a late record for a dropped day can still be stored (partition comes back) */
    rec_buf late;
    mk(&late, 999, 1, "v", day0 + 5, HCODE_RECORD_IN);
    ck_assert_int_eq(hcode_store_put(st, &late.r), 0);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), N - expect + 1);
    hcode_store_free(st);
    free(uri);
}
END_TEST

static int audit_cb(const char *line, void *data)
{
    char *acc = data;
    strcat(acc, line);
    strcat(acc, "|");
    return 0;
}

START_TEST(audit_lines_in_order)
{
    hcode_store *st = open_fresh(NULL);
    ck_assert(hcode__store_has_audit(st));
    ck_assert_int_eq(hcode__store_audit_append(st, "one"), 0);
    ck_assert_int_eq(hcode__store_audit_append(st, "two\ttab"), 0);
    ck_assert_int_eq(hcode__store_audit_append(st, "three"), 0);
    char acc[128] = "";
    ck_assert_int_eq(hcode__store_audit_read(st, audit_cb, acc), 0);
    ck_assert_str_eq(acc, "one|two\ttab|three|");
    hcode_store_free(st);
}
END_TEST

/* The replay cache of presentations is shared by every gate process on the
 * server: a second consume of a live id is refused, an expired one is
 * taken again, and a second connection sees the first one's entry. */
START_TEST(presentation_replay_shared)
{
    char *uri;
    hcode_store *st = open_fresh(&uri), *st2 = NULL;
    uint8_t id[16], other[16];
    memset(id, 0xab, sizeof id);
    memset(other, 0x01, sizeof other);
    ck_assert(hcode__store_has_consume(st));
    ck_assert_int_eq(hcode__store_consume(st, id, 1000, 900), 0);
    ck_assert_int_eq(hcode__store_consume(st, id, 1000, 950), HCODE_EEXIST);
    ck_assert_int_eq(hcode__store_consume(st, other, 1000, 950), 0);
    ck_assert_int_eq(hcode_store_open(&st2, uri), 0);
    ck_assert_int_eq(hcode__store_consume(st2, id, 1000, 999), HCODE_EEXIST);
    ck_assert_int_eq(hcode__store_consume(st2, id, 2000, 1001), 0); /* expired: taken again */
    ck_assert_int_eq(hcode__store_consume(st, id, 2000, 1500), HCODE_EEXIST);
    hcode_store_free(st2);
    hcode_store_free(st);
    free(uri);
}
END_TEST

START_TEST(unreachable_server_is_an_error)
{
    hcode_store *st = NULL;
    /* port 1 on loopback: nothing listens */
    int rc = hcode_store_open(&st, "postgresql://postgres@127.0.0.1:1/hcode_test?connect_timeout=2");
    ck_assert_int_eq(rc, HCODE_ESTORE);
    ck_assert_ptr_null(st);
}
END_TEST

START_TEST(concurrent_writers_lose_nothing)
{
    char *uri = pg_fresh_db();
    enum { PROCS = 6, PER = 3000, BATCH = 100 };
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        ck_assert_int_ge(kids[p], 0);
        if (kids[p] == 0) {
            hcode_store *st = NULL;
            if (hcode_store_open(&st, uri) != 0)
                _exit(10);
            static rec_buf b[BATCH];
            hcode_record r[BATCH];
            for (int i = 0; i < PER; i += BATCH) {
                for (int j = 0; j < BATCH; j++) {
                    int k = i + j;
                    /* every process also writes the records of its neighbour's
                     * first batch: overlapping ids between writers */
                    int owner = (k < BATCH) ? (p + 1) % PROCS : p;
                    mk(&b[j], (unsigned long long)owner * 1000000 + (unsigned long long)k, (unsigned)k,
                       "venue", T0 + (int64_t)k * 97, HCODE_RECORD_IN);
                    r[j] = b[j].r;
                }
                int rc = (i / BATCH) % 3 == 2 ? 0 : hcode_store_put_batch(st, r, BATCH);
                if ((i / BATCH) % 3 == 2)
                    for (int j = 0; j < BATCH && rc == 0; j++)
                        rc = hcode_store_put(st, &r[j]);
                if (rc != 0)
                    _exit(11);
            }
            hcode_store_free(st);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        ck_assert_int_eq(waitpid(kids[p], &status, 0), kids[p]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed (%d)", p, status);
    }
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), PROCS * PER);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(DISTINCT record_id) FROM hcode_checkin"), PROCS * PER);
    free(uri);
}
END_TEST

int main(void)
{
    pg_server_start();
    Suite *s = suite_create("store-pg");
    TCase *tc = tcase_create("pg");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, put_query_roundtrip);
    tcase_add_test(tc, put_is_idempotent);
    tcase_add_test(tc, batch_text_escaping_and_days);
    tcase_add_test(tc, extreme_times);
    tcase_add_test(tc, purge_drops_partitions);
    tcase_add_test(tc, audit_lines_in_order);
    tcase_add_test(tc, presentation_replay_shared);
    tcase_add_test(tc, unreachable_server_is_an_error);
    tcase_add_test(tc, concurrent_writers_lose_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_server_stop();
    return failed ? 1 : 0;
}
