/* PostgreSQL figures: our batched ingest vs raw libpq COPY of the same rows
 * into the same table shape, in the same run; trace p50 with N rows stored;
 * bytes per stored check-in. Prints `name value unit` lines. */
#include <hcode.h>
#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void bench_pg(int quick, const char *uri);

#define BATCH 1000
#define DAY 86400
#define T0 INT64_C(1795305600) /* 2026-11-22T00:00:00Z */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct {
    char id[33], subject[33], venue[16];
} row_text;

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* n rows: subjects scan 3 times a day over `days` days at random venues */
static void make_rows(row_text *t, hcode_record *r, size_t n, unsigned subjects, unsigned venues,
                      int days, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t h = mix(seed + i);
        unsigned s = (unsigned)(h % subjects);
        snprintf(t[i].id, 33, "%016llx%016llx", (unsigned long long)mix(h), (unsigned long long)h);
        snprintf(t[i].subject, 33, "%016llx%016llx", (unsigned long long)mix(s + 77),
                 (unsigned long long)s);
        snprintf(t[i].venue, 16, "V%u", (unsigned)(mix(h + 1) % venues));
        int64_t at = T0 + (int64_t)(mix(h + 2) % (uint64_t)(days * DAY));
        r[i] = (hcode_record){t[i].id, t[i].subject, t[i].venue, "g1", at, HCODE_RECORD_IN, HCODE_GREEN};
    }
}

static char *db_uri(const char *base, const char *name)
{
    const char *slash = strrchr(base, '/');
    size_t k = (size_t)(slash - base) + 1;
    char *u = malloc(k + strlen(name) + 1);
    memcpy(u, base, k);
    strcpy(u + k, name);
    return u;
}

static int sql(PGconn *c, const char *q)
{
    PGresult *r = PQexec(c, q);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "bench-pg: %s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static char *fresh_db(const char *base, int k)
{
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench-pg: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    char name[64], q[160];
    snprintf(name, sizeof name, "hcode_bench_%d_%d", (int)getpid(), k);
    snprintf(q, sizeof q, "CREATE DATABASE %s", name);
    int rc = sql(c, q);
    PQfinish(c);
    return rc ? NULL : db_uri(base, name);
}

static void drop_db(const char *base, const char *uri)
{
    PGconn *c = PQconnectdb(base);
    char q[160];
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s", strrchr(uri, '/') + 1);
    if (PQstatus(c) == CONNECTION_OK)
        sql(c, q);
    PQfinish(c);
}

/* Raw libpq: the same table shape (partitions, key, indexes), the same
 * batches, one BEGIN/COPY/COMMIT each. Returns rows/s or -1. */
static double raw_copy(const char *uri, const hcode_record *r, size_t n, int days)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        return -1;
    sql(c, "SET client_min_messages = warning");
    sql(c, "CREATE TABLE raw_checkin (record_id bytea NOT NULL, subject bytea NOT NULL,"
           " venue_id text NOT NULL, gate text NOT NULL DEFAULT '', at bigint NOT NULL,"
           " kind smallint NOT NULL, status smallint NOT NULL, PRIMARY KEY (record_id, at))"
           " PARTITION BY RANGE (at)");
    sql(c, "CREATE INDEX ON raw_checkin (subject, at)");
    sql(c, "CREATE INDEX ON raw_checkin (venue_id, at)");
    for (int d = 0; d < days; d++) {
        char q[200];
        snprintf(q, sizeof q, "CREATE TABLE raw_checkin_%d PARTITION OF raw_checkin FOR VALUES FROM (%lld) TO (%lld)",
                 d, (long long)(T0 + d * DAY), (long long)(T0 + (d + 1) * DAY));
        sql(c, q);
    }
    char *buf = malloc(BATCH * 200);
    double t = now_s();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t m = n - i < BATCH ? n - i : BATCH, len = 0;
        for (size_t j = 0; j < m; j++) {
            const hcode_record *x = &r[i + j];
            len += (size_t)sprintf(buf + len, "\\\\x%s\t\\\\x%s\t%s\t%s\t%lld\t%d\t%d\n", x->record_id,
                                   x->subject, x->venue_id, x->gate, (long long)x->at, x->kind, x->status);
        }
        if (sql(c, "BEGIN"))
            return -1;
        PGresult *cp = PQexec(c, "COPY raw_checkin (record_id, subject, venue_id, gate, at, kind, status) FROM STDIN");
        int copy_in = PQresultStatus(cp) == PGRES_COPY_IN;
        PQclear(cp);
        if (!copy_in || PQputCopyData(c, buf, (int)len) != 1 || PQputCopyEnd(c, NULL) != 1)
            return -1;
        PGresult *res;
        while ((res = PQgetResult(c))) {
            if (PQresultStatus(res) != PGRES_COMMAND_OK)
                fprintf(stderr, "bench-pg: raw copy: %s", PQresultErrorMessage(res));
            PQclear(res);
        }
        if (sql(c, "COMMIT"))
            return -1;
    }
    double el = now_s() - t;
    free(buf);
    PQfinish(c);
    return (double)n / el;
}

static double our_ingest(const char *uri, const hcode_record *r, size_t n)
{
    hcode_store *st;
    if (hcode_store_open(&st, uri) != 0)
        return -1;
    double t = now_s();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t m = n - i < BATCH ? n - i : BATCH;
        if (hcode_store_put_batch(st, r + i, m) != 0) {
            fprintf(stderr, "bench-pg: %s\n", hcode_store_errmsg(st));
            hcode_store_free(st);
            return -1;
        }
    }
    double el = now_s() - t;
    hcode_store_free(st);
    return (double)n / el;
}

void bench_pg(int quick, const char *uri)
{
    if (!uri || !*uri) {
        fprintf(stderr, "bench-pg: no PostgreSQL URI (HCODE_BENCH_PG_URI)\n");
        return;
    }
    /* 1. ingest ratio */
    size_t n = quick ? 60000 : 400000;
    int days = 3, reps = quick ? 3 : 5;
    row_text *t = malloc(n * sizeof *t);
    hcode_record *r = malloc(n * sizeof *r);
    make_rows(t, r, n, 20000, 500, days, 1);
    double ours[8], raw[8], ratio[8];
    for (int k = 0; k < reps; k++) {
        char *a = fresh_db(uri, 2 * k), *b = fresh_db(uri, 2 * k + 1);
        if (!a || !b)
            return;
        /* alternate the order so neither side always runs on a warmer server */
        if (k % 2) {
            raw[k] = raw_copy(b, r, n, days);
            ours[k] = our_ingest(a, r, n);
        } else {
            ours[k] = our_ingest(a, r, n);
            raw[k] = raw_copy(b, r, n, days);
        }
        ratio[k] = ours[k] / raw[k];
        drop_db(uri, a);
        drop_db(uri, b);
        free(a);
        free(b);
    }
    printf("checkin_pg_rows_per_s %.0f rows/s\n", median(ours, reps));
    printf("raw_pg_copy_rows_per_s %.0f rows/s\n", median(raw, reps));
    printf("checkin_pg_copy_ratio %.2f ratio\n", median(ratio, reps));
    fflush(stdout);
    free(t);
    free(r);

    /* 2. trace p50 with N rows stored: 14 days, 3 scans per person-day */
    size_t total = quick ? 300000 : 10000000;
    unsigned subjects = (unsigned)(total / 42), venues = (unsigned)(total / 500);
    char *u = fresh_db(uri, 100);
    if (!u)
        return;
    hcode_store *st;
    if (hcode_store_open(&st, u) != 0)
        return;
    size_t chunk = 100000;
    t = malloc(chunk * sizeof *t);
    r = malloc(chunk * sizeof *r);
    for (size_t i = 0; i < total; i += chunk) {
        size_t m = total - i < chunk ? total - i : chunk;
        make_rows(t, r, m, subjects, venues, 14, 1000 + i);
        for (size_t j = 0; j < m; j += BATCH)
            if (hcode_store_put_batch(st, r + j, m - j < BATCH ? m - j : BATCH) != 0) {
                fprintf(stderr, "bench-pg: %s\n", hcode_store_errmsg(st));
                return;
            }
    }
    PGconn *c = PQconnectdb(u);
    sql(c, "VACUUM ANALYZE hcode_checkin");
    PGresult *res = PQexec(c, "SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                              " WHERE inhparent = 'hcode_checkin'::regclass), (SELECT count(*) FROM hcode_checkin)");
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        printf("bytes_per_checkin_pg %.0f bytes\n",
               strtod(PQgetvalue(res, 0, 0), NULL) / strtod(PQgetvalue(res, 0, 1), NULL));
    PQclear(res);
    PQfinish(c);
    hcode_ctx *ctx;
    hcode_keypair *kp;
    if (hcode_ctx_new(&ctx) || hcode_ctx_set_store(ctx, st) || hcode_keypair_generate(&kp, NULL) ||
        hcode_ctx_set_audit_key(ctx, kp))
        return;
    hcode_keypair_free(kp);
    enum { TRACES = 41 };
    double ms[TRACES];
    for (int k = 0; k < TRACES + 5; k++) {
        unsigned s = (unsigned)(mix((uint64_t)k + 999) % subjects);
        char subj[33];
        snprintf(subj, 33, "%016llx%016llx", (unsigned long long)mix(s + 77), (unsigned long long)s);
        hcode_trace *tr = NULL;
        double a = now_s();
        int rc = hcode_trace_subject(ctx, subj, T0, T0 + 14 * DAY, 0, 1, 0, "bench", "benchmark", &tr);
        double el = (now_s() - a) * 1000;
        if (rc) {
            fprintf(stderr, "bench-pg: trace: %s\n", hcode_errmsg(ctx));
            break;
        }
        hcode_trace_free(tr);
        if (k >= 5)   /* warm-up first */
            ms[k - 5] = el;
    }
    printf("trace_pg_rows %zu rows\n", total);
    printf("trace_pg_p50_ms %.2f ms\n", median(ms, TRACES));
    hcode_ctx_free(ctx);
    free(t);
    free(r);
    drop_db(uri, u);
    free(u);
}
