/* Storage benchmarks (bench.md): batched ingest against raw SQLite doing
 * the same inserts into the same schema in the same run, durable
 * check-ins per second, bytes per check-in, and the p50 of a case's
 * 14-day trace with many check-ins stored. Prints `name value unit`. */
#include "bench.h"
#include "hcode-private.h"
#include "hcode/sys/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T0 INT64_C(1795000000)
#define SPAN (28 * 86400)
#define BATCH 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A synthetic population: n check-ins, n/10 people, n/1000 venues, 28 days. */
typedef struct gen {
    size_t nsub, nven;
    char (*subjects)[33];
    char (*venues)[24];
    char ids[BATCH][33];
    hcode_record recs[BATCH];
} gen;

static void hex16(char out[33])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof b);
    hcode__hex(out, b, 16);
}

static gen *gen_new(size_t n)
{
    gen *g = calloc(1, sizeof *g);
    g->nsub = n / 10 > 10 ? n / 10 : 10;
    g->nven = n / 1000 > 100 ? n / 1000 : 100;
    g->subjects = malloc(g->nsub * sizeof *g->subjects);
    g->venues = malloc(g->nven * sizeof *g->venues);
    for (size_t i = 0; i < g->nsub; i++)
        hex16(g->subjects[i]);
    for (size_t i = 0; i < g->nven; i++)
        snprintf(g->venues[i], sizeof g->venues[i], "370102-%06u", (unsigned)(i % 1000000));
    return g;
}

static void gen_free(gen *g)
{
    free(g->subjects);
    free(g->venues);
    free(g);
}

static const hcode_record *gen_batch(gen *g, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        hex16(g->ids[i]);
        hcode_record *r = &g->recs[i];
        r->record_id = g->ids[i];
        r->subject = g->subjects[randombytes_uniform((uint32_t)g->nsub)];
        r->venue_id = g->venues[randombytes_uniform((uint32_t)g->nven)];
        r->gate = "";
        r->at = T0 + randombytes_uniform(SPAN);
        r->kind = randombytes_uniform(10) == 0 ? HCODE_RECORD_OUT : HCODE_RECORD_IN;
        r->status = HCODE_GREEN;
    }
    return g->recs;
}

static char dir[256];

static void path_for(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
    char side[600];
    unlink(out);
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);
}

/* ---- raw SQLite: the same schema and statements, by hand ---------------- */

static const char raw_schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE place(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE subject(id INTEGER PRIMARY KEY, p BLOB NOT NULL UNIQUE);"
    "CREATE TABLE checkin(id INTEGER PRIMARY KEY, lo BLOB NOT NULL, sid INTEGER NOT NULL,"
    " venue INTEGER NOT NULL, at INTEGER NOT NULL, info INTEGER NOT NULL, gate INTEGER NOT NULL);"
    "CREATE INDEX checkin_subject_time ON checkin(sid, at);"
    "CREATE INDEX checkin_venue_time ON checkin(venue, at);";

typedef struct raw {
    sqlite3 *db;
    sqlite3_stmt *sget, *sins, *pget, *pins, *cins;
} raw;

static sqlite3_int64 raw_dict(raw *r, sqlite3_stmt *get, sqlite3_stmt *ins, const void *k, int len, int blob)
{
    sqlite3_reset(get);
    if (blob)
        sqlite3_bind_blob(get, 1, k, len, SQLITE_STATIC);
    else
        sqlite3_bind_text(get, 1, k, len, SQLITE_STATIC);
    if (sqlite3_step(get) == SQLITE_ROW)
        return sqlite3_column_int64(get, 0);
    sqlite3_reset(ins);
    if (blob)
        sqlite3_bind_blob(ins, 1, k, len, SQLITE_STATIC);
    else
        sqlite3_bind_text(ins, 1, k, len, SQLITE_STATIC);
    sqlite3_step(ins);
    return sqlite3_last_insert_rowid(r->db);
}

static void raw_open(raw *r, const char *path)
{
    sqlite3_open(path, &r->db);
    sqlite3_exec(r->db, raw_schema, NULL, NULL, NULL);
    sqlite3_prepare_v2(r->db, "SELECT id FROM subject WHERE p=?1", -1, &r->sget, NULL);
    sqlite3_prepare_v2(r->db, "INSERT INTO subject(p) VALUES(?1)", -1, &r->sins, NULL);
    sqlite3_prepare_v2(r->db, "SELECT id FROM place WHERE name=?1", -1, &r->pget, NULL);
    sqlite3_prepare_v2(r->db, "INSERT INTO place(name) VALUES(?1)", -1, &r->pins, NULL);
    sqlite3_prepare_v2(r->db, "INSERT INTO checkin(id,lo,sid,venue,at,info,gate) VALUES(?1,?2,?3,?4,?5,?6,0)", -1,
                       &r->cins, NULL);
}

static void raw_batch(raw *r, const hcode_record *recs, size_t n)
{
    sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        uint8_t rid[16], subj[16];
        hcode__unhex(rid, 16, recs[i].record_id, 32);
        hcode__unhex(subj, 16, recs[i].subject, 32);
        sqlite3_int64 sid = raw_dict(r, r->sget, r->sins, subj, 16, 1);
        sqlite3_int64 vid = raw_dict(r, r->pget, r->pins, recs[i].venue_id, -1, 0);
        uint64_t id = 0;
        for (int k = 0; k < 8; k++)
            id = id << 8 | rid[k];
        sqlite3_reset(r->cins);
        sqlite3_bind_int64(r->cins, 1, (sqlite3_int64)id);
        sqlite3_bind_blob(r->cins, 2, rid + 8, 8, SQLITE_STATIC);
        sqlite3_bind_int64(r->cins, 3, sid);
        sqlite3_bind_int64(r->cins, 4, vid);
        sqlite3_bind_int64(r->cins, 5, recs[i].at);
        sqlite3_bind_int(r->cins, 6, (recs[i].kind == HCODE_RECORD_OUT) | recs[i].status << 1);
        sqlite3_step(r->cins);
    }
    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
}

static void raw_close(raw *r)
{
    sqlite3_finalize(r->sget);
    sqlite3_finalize(r->sins);
    sqlite3_finalize(r->pget);
    sqlite3_finalize(r->pins);
    sqlite3_finalize(r->cins);
    sqlite3_close(r->db);
}

/* Rows per second of our batched ingest and of raw SQLite, same rows. */
static void ingest_pair(size_t rows, double *ours, double *rawrate)
{
    gen *g = gen_new(rows * 5);
    hcode_record *all = malloc(rows * sizeof *all);
    char (*ids)[33] = malloc(rows * sizeof *ids);
    for (size_t i = 0; i < rows; i += BATCH) {
        size_t k = rows - i < BATCH ? rows - i : BATCH;
        const hcode_record *b = gen_batch(g, k);
        for (size_t j = 0; j < k; j++) {
            all[i + j] = b[j];
            memcpy(ids[i + j], b[j].record_id, 33);
            all[i + j].record_id = ids[i + j];
        }
    }
    char p1[512], p2[512];
    path_for(p1, sizeof p1, "ours.db");
    path_for(p2, sizeof p2, "raw.db");
    hcode_store *st = NULL;
    if (hcode_store_open(&st, p1) != 0) {
        fprintf(stderr, "bench-store: cannot open %s\n", p1);
        exit(1);
    }
    double t = now_s();
    for (size_t i = 0; i < rows; i += BATCH)
        if (hcode_store_put_batch(st, all + i, rows - i < BATCH ? rows - i : BATCH) != 0) {
            fprintf(stderr, "bench-store: put_batch: %s\n", hcode_store_errmsg(st));
            exit(1);
        }
    *ours = rows / (now_s() - t);
    hcode_store_free(st);
    raw r;
    raw_open(&r, p2);
    t = now_s();
    for (size_t i = 0; i < rows; i += BATCH)
        raw_batch(&r, all + i, rows - i < BATCH ? rows - i : BATCH);
    *rawrate = rows / (now_s() - t);
    raw_close(&r);
    free(all);
    free(ids);
    gen_free(g);
}

static void bench_batch_ratio(int quick)
{
    int reps = quick ? 3 : 5;
    size_t rows = quick ? 20000 : 200000;
    double o[5], r[5];
    for (int i = 0; i < reps; i++)
        ingest_pair(rows, &o[i], &r[i]);
    double mo = median(o, reps), mr = median(r, reps);
    printf("checkin_sqlite_batch_per_s %.0f rows/s\n", mo);
    printf("checkin_sqlite_raw_batch_per_s %.0f rows/s\n", mr);
    printf("checkin_sqlite_batch_ratio %.2f ratio\n", mo / mr);
}

static void bench_durable(int quick)
{
    hcode_ctx *ctx;
    hcode_keypair *kp;
    char p[512];
    path_for(p, sizeof p, "durable.db");
    if (hcode_ctx_new(&ctx) || hcode_keypair_generate(&kp, NULL) || hcode_trust_add_keypair(ctx, kp) ||
        hcode_ctx_open_store(ctx, p))
        exit(1);
    char *venue = NULL;
    if (hcode_issue_venue(ctx, kp, "V-1", "Mall", NULL, NULL, T0, 0, &venue))
        exit(1);
    int n = quick ? 200 : 3000, reps = 3;
    char **people = malloc((size_t)n * sizeof *people);
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "ID-%d", i);
        if (hcode_issue_person(ctx, kp, id, HCODE_GREEN, T0, 0, NULL, 0, NULL, &people[i]))
            exit(1);
    }
    double rate[3];
    for (int r = 0; r < reps; r++) {
        double t = now_s();
        for (int i = 0; i < n; i++) {
            hcode_admission *a = NULL;
            if (hcode_checkin(ctx, people[i], venue, "g1", T0 + 60 + r * n + i, &a) || !hcode_admission_admitted(a)) {
                fprintf(stderr, "bench-store: checkin failed: %s\n", hcode_errmsg(ctx));
                exit(1);
            }
            hcode_admission_free(a);
        }
        rate[r] = n / (now_s() - t);
    }
    printf("checkin_sqlite_durable_per_s %.0f checkins/s\n", median(rate, reps));
    /* for comparison: the store's put alone, and raw SQLite, one commit each */
    gen *g = gen_new((size_t)n * 10);
    double put_rate[3], raw_rate[3];
    for (int r = 0; r < reps; r++) {
        const hcode_record *recs = gen_batch(g, (size_t)n < BATCH ? (size_t)n : BATCH);
        int m = n < BATCH ? n : BATCH;
        double t = now_s();
        for (int i = 0; i < m; i++)
            if (hcode_store_put(hcode_ctx_store(ctx), &recs[i]))
                exit(1);
        put_rate[r] = m / (now_s() - t);
        char rp[512];
        path_for(rp, sizeof rp, "raw-durable.db");
        raw rw;
        raw_open(&rw, rp);
        t = now_s();
        for (int i = 0; i < m; i++)
            raw_batch(&rw, &recs[i], 1);
        raw_rate[r] = m / (now_s() - t);
        raw_close(&rw);
    }
    printf("checkin_sqlite_durable_put_per_s %.0f puts/s\n", median(put_rate, reps));
    printf("checkin_sqlite_raw_durable_per_s %.0f rows/s\n", median(raw_rate, reps));
    gen_free(g);
    for (int i = 0; i < n; i++)
        hcode_free(people[i]);
    free(people);
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}

static void bench_size_and_trace(int quick)
{
    size_t rows = quick ? 200000 : 10000000;
    const char *label = quick ? "200k" : "10m";
    char p[512];
    path_for(p, sizeof p, "trace.db");
    gen *g = gen_new(rows);
    hcode_ctx *ctx;
    hcode_keypair *kp;
    if (hcode_ctx_new(&ctx) || hcode_ctx_open_store(ctx, p) || hcode_keypair_generate(&kp, NULL) ||
        hcode_ctx_set_audit_key(ctx, kp))
        exit(1);
    hcode_store *st = hcode_ctx_store(ctx);
    for (size_t i = 0; i < rows; i += BATCH)
        if (hcode_store_put_batch(st, gen_batch(g, rows - i < BATCH ? rows - i : BATCH),
                                  rows - i < BATCH ? rows - i : BATCH)) {
            fprintf(stderr, "bench-store: %s\n", hcode_store_errmsg(st));
            exit(1);
        }
    /* size with indexes, after folding the WAL into the file */
    sqlite3 *db;
    sqlite3_open(p, &db);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(db);
    struct stat sb;
    stat(p, &sb);
    printf("bytes_per_checkin %.1f bytes\n", (double)sb.st_size / (double)rows);
    /* traces of random people over the last 14 days, warm: with the
     * default durable audit entry (one fsync per trace), and with
     * synchronous=NORMAL (the queries and the audit entry without fsync) */
    for (int mode = 0; mode < 2; mode++) {
        if (mode == 1) {
            hcode_store *fast = NULL;
            if (hcode_store_sqlite_open(&fast, p, HCODE_SQLITE_SYNC_NORMAL) || hcode_ctx_set_store(ctx, fast))
                exit(1);
        }
        int n = quick ? 31 : 101;
        double ms[101];
        for (int i = -5; i < n; i++) {
            const char *who = g->subjects[randombytes_uniform((uint32_t)g->nsub)];
            hcode_trace *t = NULL;
            double t0 = now_s();
            if (hcode_trace_subject(ctx, who, T0 + SPAN - 14 * 86400, T0 + SPAN, 0, 1, 0, "bench", "benchmark", &t)) {
                fprintf(stderr, "bench-store: trace: %s\n", hcode_errmsg(ctx));
                exit(1);
            }
            if (i >= 0)
                ms[i] = (now_s() - t0) * 1000;
            hcode_trace_free(t);
        }
        printf("trace_%s%s_p50_ms %.3f ms\n", label, mode ? "_nosync" : "", median(ms, n));
    }
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    gen_free(g);
}

void bench_store(int quick)
{
    if (hcode_init() != 0)
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/hcode-bench-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench-store: cannot create a directory in %s\n", tmp ? tmp : "/tmp");
        return;
    }
    bench_batch_ratio(quick);
    bench_durable(quick);
    bench_size_and_trace(quick);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-store: could not remove %s\n", dir);
}
