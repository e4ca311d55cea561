/* Gate outbox against a real PostgreSQL server: exactly-once delivery,
 * connection cut at every message of a batch (COMMIT included), server
 * killed mid-ingest, the same outbox drained twice, disk full. */
#include "cut-proxy.h"
#include "pg-server.h"
#include "store-private.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char id[33], subject[33];
    hcode_record r;
} rec_buf;

static const int64_t T0 = 1795000000;

static void mk(rec_buf *b, unsigned tag, unsigned i, int64_t at)
{
    snprintf(b->id, sizeof b->id, "%08x%08x%016x", tag, 0x5eedu, i);
    snprintf(b->subject, sizeof b->subject, "%032x", i % 97);
    b->r = (hcode_record){b->id, b->subject, "370102-000123", "gate-7", at, HCODE_RECORD_IN, HCODE_GREEN};
}

static char *tmp_path(const char *name)
{
    char *dir = strdup("/tmp/hcode-outbox-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    free(dir);
    return p;
}

static long long count_tag(const char *uri, unsigned tag)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hcode_checkin WHERE substr(encode(record_id, 'hex'), 1, 8) = '%08x'", tag);
    return pg_scalar(uri, sql);
}

START_TEST(queue_flush_exactly_once)
{
    char *uri = pg_fresh_db();
    char *p1 = tmp_path("a.outbox"), *p2 = tmp_path("b.outbox");
    hcode_outbox *ob1, *ob2;
    ck_assert_int_eq(hcode_outbox_open(&ob1, p1), 0);
    ck_assert_int_eq(hcode_outbox_open(&ob2, p2), 0);
    enum { N = 1234 };
    static rec_buf b[N];
    for (unsigned i = 0; i < N; i++) {
        /* out of time order, across several days */
        mk(&b[i], 1, i, T0 + (int64_t)((i * 7919u) % N) * 600);
        ck_assert_int_eq(hcode_outbox_queue(ob1, &b[i].r), 0);
        ck_assert_int_eq(hcode_outbox_queue(ob2, &b[i].r), 0);   /* a copy of the same outbox */
    }
    ck_assert_int_eq(hcode_outbox_queue(ob1, &b[0].r), 0);          /* queued twice: kept once */
    uint64_t n;
    ck_assert_int_eq(hcode_outbox_pending(ob1, &n), 0);
    ck_assert_int_eq(n, N);
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, uri), 0);
    uint64_t d;
    ck_assert_int_eq(hcode_outbox_flush(ob1, st, &d), 0);
    ck_assert_int_eq(d, N);
    ck_assert_int_eq(hcode_outbox_pending(ob1, &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(hcode_outbox_flush(ob1, st, &d), 0);   /* drained again: nothing */
    ck_assert_int_eq(d, 0);
    /* the copy (as after a crash between COMMIT and removal) delivers again */
    ck_assert_int_eq(hcode_outbox_flush(ob2, st, &d), 0);
    ck_assert_int_eq(d, N);
    ck_assert_int_eq(count_tag(uri, 1), N);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(DISTINCT record_id) FROM hcode_checkin"), N);
    /* original times kept */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT at FROM hcode_checkin WHERE record_id = decode('%s', 'hex')", b[5].id);
    ck_assert_int_eq(pg_scalar(uri, sql), b[5].r.at);
    hcode_store_free(st);
    hcode_outbox_free(ob1);
    hcode_outbox_free(ob2);
    free(uri);
    free(p1);
    free(p2);
}
END_TEST

START_TEST(put_queues_when_unreachable_and_later_put_delivers)
{
    char *uri = pg_fresh_db();
    char *path = tmp_path("gate.outbox");
    hcode_outbox *ob;
    ck_assert_int_eq(hcode_outbox_open(&ob, path), 0);
    rec_buf a, b;
    mk(&a, 2, 1, T0);
    mk(&b, 2, 2, T0 + 60);
    int queued = -1;
    /* no store (open failed) */
    ck_assert_int_eq(hcode_outbox_put(ob, NULL, &a.r, &queued), 0);
    ck_assert_int_eq(queued, 1);
    /* a store whose server is gone */
    hcode_store *dead = NULL;
    ck_assert_int_eq(hcode_store_open(&dead, "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"), HCODE_ESTORE);
    /* the next put with a reachable store delivers the waiting record first */
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, uri), 0);
    ck_assert_int_eq(hcode_outbox_put(ob, st, &b.r, &queued), 0);
    ck_assert_int_eq(queued, 0);
    uint64_t n;
    ck_assert_int_eq(hcode_outbox_pending(ob, &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(count_tag(uri, 2), 2);
    /* an invalid record is refused, never queued */
    hcode_record bad = a.r;
    bad.subject = "not-hex";
    ck_assert_int_eq(hcode_outbox_put(ob, NULL, &bad, &queued), HCODE_EINVAL);
    ck_assert_int_eq(queued, 0);
    hcode_store_free(st);
    hcode_outbox_free(ob);
    free(uri);
    free(path);
}
END_TEST

/* One batch through the proxy, cut at message `at` (or never: -1).
 * Returns put_batch's result. */
static int batch_through(cut_proxy *px, const char *proxy_uri, long at, int mode,
                         const hcode_record *recs, size_t n, long *seen)
{
    hcode_store *st = NULL;
    cut_proxy_arm(px, -1, CUT_BEFORE);
    ck_assert_int_eq(hcode_store_open(&st, proxy_uri), 0);
    cut_proxy_arm(px, at, mode);
    int rc = hcode_store_put_batch(st, recs, n);
    *seen = cut_proxy_seen(px);
    cut_proxy_arm(px, -1, CUT_BEFORE);
    hcode_store_free(st);
    return rc;
}

START_TEST(cut_at_every_message)
{
    char *uri = pg_fresh_db();
    int port;
    cut_proxy *px = cut_proxy_start(pg_uri_port(uri), &port);
    ck_assert_ptr_nonnull(px);
    char *puri = pg_uri_with_port(uri, port);
    hcode_store *direct;
    ck_assert_int_eq(hcode_store_open(&direct, uri), 0);
    char *path = tmp_path("cut.outbox");
    hcode_outbox *ob;
    ck_assert_int_eq(hcode_outbox_open(&ob, path), 0);

    enum { N = 40 };
    rec_buf b[N + 1];
    hcode_record r[N + 1];
    unsigned tag = 100;
    /* two shapes of batch: fresh records on a day without a partition yet
     * (COPY fails, partition made, COPY again), and a batch holding one record
     * already stored (COPY hits the key, staged INSERT ... ON CONFLICT). */
    for (int shape = 0; shape < 2; shape++) {
        long total = -1;
        for (int mode = CUT_BEFORE; mode <= CUT_AFTER; mode++) {
            for (long at = -1; at < (total < 0 ? 0 : total); at++) {
                if (at == -1 && total >= 0)
                    continue;
                tag++;
                int64_t day = T0 + (int64_t)tag * 86400;
                for (unsigned i = 0; i < N; i++) {
                    mk(&b[i], tag, i, day + i);
                    r[i] = b[i].r;
                }
                size_t n = N;
                if (shape == 1) {
                    ck_assert_int_eq(hcode_store_put(direct, &r[0]), 0);   /* makes the partition too */
                }
                long seen;
                int rc = batch_through(px, puri, at, mode, r, n, &seen);
                if (at == -1) {
                    ck_assert_int_eq(rc, 0);
                    total = seen;
                    ck_assert_int_ge(total, 4);
                    ck_assert_int_eq(count_tag(uri, tag), N);
                    continue;
                }
                ck_assert_msg(seen > at, "cut %ld not reached", at);
                long long stored = count_tag(uri, tag);
                long long before = shape == 1 ? 1 : 0;
                /* all or none */
                ck_assert_msg(stored == before || stored == N,
                              "shape %d mode %d cut %ld ('%c'): %lld of %d stored", shape, mode, at,
                              '?', stored, N);
                if (rc != 0) {
                    /* the gate queues what it could not confirm, then syncs */
                    for (size_t i = 0; i < n; i++)
                        ck_assert_int_eq(hcode_outbox_queue(ob, &r[i]), 0);
                    uint64_t d;
                    ck_assert_int_eq(hcode_outbox_flush(ob, direct, &d), 0);
                    ck_assert_int_eq(d, n);
                }
                ck_assert_int_eq(count_tag(uri, tag), N);
            }
        }
    }
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM hcode_checkin");
    ck_assert_int_eq(pg_scalar(uri, sql), pg_scalar(uri, "SELECT count(DISTINCT record_id) FROM hcode_checkin"));
    hcode_outbox_free(ob);
    hcode_store_free(direct);
    cut_proxy_stop(px);
    free(puri);
    free(uri);
    free(path);
}
END_TEST

START_TEST(server_killed_mid_ingest)
{
    /* a cluster of our own: it gets killed */
    char *base = pg_script("start");
    ck_assert_msg(base && !strncmp(base, "postgresql://", 13), "cannot start a PostgreSQL cluster");
    char *path = tmp_path("kill.outbox");
    enum { N = 3000 };
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        close(fds[0]);
        hcode_outbox *ob;
        hcode_store *st = NULL;
        if (hcode_outbox_open(&ob, path) || hcode_store_open(&st, base))
            _exit(10);
        for (unsigned i = 0; i < N; i++) {
            rec_buf b;
            mk(&b, 7, i, T0 + i);
            int queued;
            if (hcode_outbox_put(ob, st, &b.r, &queued) != 0)
                _exit(11);
            char c = queued ? 'q' : 's';   /* acknowledged: stored or queued */
            if (write(fds[1], &c, 1) != 1)
                _exit(12);
        }
        hcode_store_free(st);
        hcode_outbox_free(ob);
        _exit(0);
    }
    close(fds[1]);
    long acks = 0, queued = 0;
    char c;
    int crashed = 0;
    char args[600];
    while (read(fds[0], &c, 1) == 1) {
        acks++;
        queued += c == 'q';
        if (acks == 500 && !crashed) {
            snprintf(args, sizeof args, "crash '%s'", base);
            char *o = pg_script(args);
            ck_assert_ptr_nonnull(o);
            free(o);
            crashed = 1;
        }
        if (crashed == 1 && queued >= 200) {
            snprintf(args, sizeof args, "restart '%s'", base);
            char *o = pg_script(args);
            ck_assert_ptr_nonnull(o);
            free(o);
            crashed = 2;
        }
    }
    int status;
    ck_assert_int_eq(waitpid(kid, &status, 0), kid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gate failed: %d", status);
    ck_assert_int_eq(acks, N);
    ck_assert_int_eq(crashed, 2);
    ck_assert_int_ge(queued, 200);
    /* hcode sync */
    hcode_outbox *ob;
    hcode_store *st;
    ck_assert_int_eq(hcode_outbox_open(&ob, path), 0);
    ck_assert_int_eq(hcode_store_open(&st, base), 0);
    uint64_t d;
    ck_assert_int_eq(hcode_outbox_flush(ob, st, &d), 0);
    uint64_t left;
    ck_assert_int_eq(hcode_outbox_pending(ob, &left), 0);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(count_tag(base, 7), N);
    ck_assert_int_eq(pg_scalar(base, "SELECT count(DISTINCT record_id) FROM hcode_checkin"), N);
    hcode_store_free(st);
    hcode_outbox_free(ob);
    snprintf(args, sizeof args, "stop '%s'", base);
    free(pg_script(args));
    free(base);
    free(path);
}
END_TEST

START_TEST(disk_full_while_queueing)
{
    char *path = tmp_path("full.outbox");
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        close(fds[0]);
        signal(SIGXFSZ, SIG_IGN);
        hcode_outbox *ob;
        if (hcode_outbox_open(&ob, path))
            _exit(10);
        struct rlimit rl = {512 * 1024, 512 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &rl))
            _exit(11);
        long acks = 0;
        int rc = 0;
        for (unsigned i = 0; i < 100000 && rc == 0; i++) {
            rec_buf b;
            mk(&b, 9, i, T0 + i);
            int queued = 0;
            rc = hcode_outbox_put(ob, NULL, &b.r, &queued);
            if (rc == 0 && queued)
                acks++;
        }
        char msg[400];
        snprintf(msg, sizeof msg, "%ld %d %s", acks, rc, hcode_outbox_errmsg(ob));
        if (write(fds[1], msg, strlen(msg) + 1) < 0)
            _exit(12);
        hcode_outbox_free(ob);
        _exit(0);
    }
    close(fds[1]);
    char msg[400] = "";
    ck_assert_int_gt(read(fds[0], msg, sizeof msg - 1), 0);
    int status;
    waitpid(kid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: %s", status, msg);
    long acks;
    int rc, off;
    ck_assert_int_eq(sscanf(msg, "%ld %d %n", &acks, &rc, &off), 2);
    ck_assert_int_eq(rc, HCODE_EIO);
    ck_assert_msg(strstr(msg + off, "disk full"), "message: %s", msg + off);
    ck_assert_int_gt(acks, 10);
    /* exactly what was acknowledged is in the outbox */
    hcode_outbox *ob;
    ck_assert_int_eq(hcode_outbox_open(&ob, path), 0);
    uint64_t n;
    ck_assert_int_eq(hcode_outbox_pending(ob, &n), 0);
    ck_assert_int_eq((long)n, acks);
    hcode_outbox_free(ob);
    free(path);
}
END_TEST

int main(void)
{
    pg_server_start();
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("outbox");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, queue_flush_exactly_once);
    tcase_add_test(tc, put_queues_when_unreachable_and_later_put_delivers);
    tcase_add_test(tc, cut_at_every_message);
    tcase_add_test(tc, server_killed_mid_ingest);
    tcase_add_test(tc, disk_full_while_queueing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_server_stop();
    return failed ? 1 : 0;
}
