/* The PostgreSQL storage backend (libpq), written against hcode_store_ops
 * like any host backend. The only file that includes libpq-fe.h.
 *
 * Schema (created on first open, idempotent, serialised by an advisory lock):
 *
 *   hcode_checkin (record_id bytea, subject bytea, venue_id text, gate text,
 *                  at bigint, kind smallint, status smallint,
 *                  PRIMARY KEY (record_id, at))
 *     PARTITION BY RANGE (at)
 *       hcode_checkin_YYYYMMDD  one partition per UTC day, created on demand
 *       hcode_checkin_before / hcode_checkin_after  times outside years 0..9999
 *   indexes (subject, at) and (venue_id, at) on every partition
 *   hcode_audit (seq bigserial PRIMARY KEY, line text)
 *
 * Idempotency: the gate makes record_id. PostgreSQL requires a unique
 * constraint on a partitioned table to contain the partition key, so the key
 * is (record_id, at). A retry of a record (e.g. after the connection dropped
 * during COMMIT and the outcome is unknown) carries the same record_id and
 * the same time, hits the same partition and the same key, and is not stored
 * again. Two records with one record_id but different times would both be
 * stored: record ids are random 128-bit values, so that only happens if a
 * gate reuses an id for a different event, which is a gate bug.
 *
 * Writes: put is one INSERT ... ON CONFLICT DO NOTHING (autocommit). put_batch
 * is one transaction: COPY straight into hcode_checkin (the fast path); if
 * that hits a unique violation (a redelivered record), the transaction is
 * rolled back and repeated as COPY into a session temp table followed by
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING. Either way all records or
 * none. A record whose day has no partition yet fails with a check
 * violation; the missing partitions are then created (in their own short
 * transaction) and the write is repeated.
 *
 * Retention: purge_before drops every partition that lies wholly before the
 * cut-off (the count of its rows is reported) and deletes the rest from the
 * partition that straddles it.
 */
#include "store-private.h"
#include "hcode/sys/store.h"

#include <libpq-fe.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
/* Day partitions cover years 0000..9999; everything else goes to before/after. */
#define MIN_DAY_AT (-62167219200LL)   /* 0000-01-01T00:00:00Z */
#define MAX_DAY_AT 253402300800LL     /* 10000-01-01T00:00:00Z */
#define COPY_CHUNK 65536

typedef struct pg_store {
    PGconn *conn;
    bool prepared;
    bool stage_ready;
    char err[512];
} pg_store;

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int fail(pg_store *s, int code, const char *what, const char *detail)
{
    snprintf(s->err, sizeof s->err, "postgresql: %s%s%s", what, detail && *detail ? ": " : "",
             detail ? detail : "");
    /* one line: libpq messages hold newlines and tabs */
    for (char *p = s->err; *p; p++)
        if (*p == '\n' || *p == '\t' || *p == '\r')
            *p = ' ';
    size_t n = strlen(s->err);
    while (n && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
        s->err[--n] = '\0';
    return code;
}

static int fail_res(pg_store *s, const char *what, PGresult *r)
{
    const char *d = r ? PQresultErrorMessage(r) : NULL;
    if (!d || !*d)
        d = PQerrorMessage(s->conn);
    return fail(s, HCODE_ESTORE, what, d);
}

static bool sqlstate_is(PGresult *r, const char *state)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return st && !strcmp(st, state);
}

/* Runs a statement without parameters; 0 or HCODE_ESTORE. If sqlstate is
 * given it receives the SQLSTATE of a failure ("" if none). */
static int exec(pg_store *s, const char *sql, char sqlstate[6])
{
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    if (sqlstate)
        sqlstate[0] = '\0';
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        PQclear(r);
        return 0;
    }
    if (sqlstate) {
        const char *c = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (c)
            snprintf(sqlstate, 6, "%s", c);
    }
    int rc = fail_res(s, sql, r);
    PQclear(r);
    return rc;
}

static const char schema_sql[] =
    "SELECT pg_advisory_xact_lock(7304163725);"
    "CREATE TABLE IF NOT EXISTS hcode_checkin ("
    " record_id bytea NOT NULL, subject bytea NOT NULL, venue_id text NOT NULL,"
    " gate text NOT NULL DEFAULT '', at bigint NOT NULL, kind smallint NOT NULL,"
    " status smallint NOT NULL, PRIMARY KEY (record_id, at)) PARTITION BY RANGE (at);"
    "CREATE INDEX IF NOT EXISTS hcode_checkin_subject_at ON hcode_checkin (subject, at);"
    "CREATE INDEX IF NOT EXISTS hcode_checkin_venue_at ON hcode_checkin (venue_id, at);"
    "CREATE TABLE IF NOT EXISTS hcode_audit (seq bigserial PRIMARY KEY, line text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS hcode_presented (id bytea PRIMARY KEY, until bigint NOT NULL);";

static int prepare(pg_store *s)
{
    static const struct { const char *name, *sql; int n; } st[] = {
        {"hcode_put",
         "INSERT INTO hcode_checkin (record_id, subject, venue_id, gate, at, kind, status)"
         " VALUES (decode($1, 'hex'), decode($2, 'hex'), $3, $4, $5, $6, $7)"
         " ON CONFLICT DO NOTHING", 7},
        {"hcode_qs",
         "SELECT encode(record_id, 'hex'), encode(subject, 'hex'), venue_id, gate, at, kind, status"
         " FROM hcode_checkin WHERE subject = decode($1, 'hex') AND at >= $2 AND at < $3", 3},
        {"hcode_qss",
         "SELECT encode(c.record_id, 'hex'), encode(c.subject, 'hex'), c.venue_id, c.gate, c.at, c.kind, c.status"
         " FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(x, f, t)"
         " JOIN hcode_checkin c ON c.subject = decode(w.x, 'hex') AND c.at >= w.f AND c.at < w.t", 3},
        {"hcode_qvs",
         "SELECT encode(c.record_id, 'hex'), encode(c.subject, 'hex'), c.venue_id, c.gate, c.at, c.kind, c.status"
         " FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(v, f, t)"
         " JOIN hcode_checkin c ON c.venue_id = w.v AND c.at >= w.f AND c.at < w.t", 3},
        {"hcode_qv",
         "SELECT encode(record_id, 'hex'), encode(subject, 'hex'), venue_id, gate, at, kind, status"
         " FROM hcode_checkin WHERE venue_id = $1 AND at >= $2 AND at < $3", 3},
        {"hcode_audit_put", "INSERT INTO hcode_audit (line) VALUES ($1)", 1},
        /* one statement, so two gates cannot both admit one presentation:
         * a row comes back only when the id was new or its entry expired */
        {"hcode_consume",
         "INSERT INTO hcode_presented (id, until) VALUES (decode($1, 'hex'), $2)"
         " ON CONFLICT (id) DO UPDATE SET until = EXCLUDED.until WHERE hcode_presented.until < $3"
         " RETURNING 1", 3},
    };
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        PGresult *r = PQprepare(s->conn, st[i].name, st[i].sql, st[i].n, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            int rc = fail_res(s, "prepare", r);
            PQclear(r);
            return rc;
        }
        PQclear(r);
    }
    s->prepared = true;
    s->stage_ready = false;
    return 0;
}

/* Makes sure the connection is usable and idle: reconnects a broken one,
 * rolls back a transaction left open by a failure. */
static int ready(pg_store *s)
{
    if (PQstatus(s->conn) != CONNECTION_OK) {
        s->prepared = false;
        PQreset(s->conn);
        if (PQstatus(s->conn) != CONNECTION_OK)
            return fail(s, HCODE_ESTORE, "server unreachable", PQerrorMessage(s->conn));
    }
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        if (exec(s, "ROLLBACK", NULL) != 0)
            return HCODE_ESTORE;
    } else if (ts != PQTRANS_IDLE) {
        return fail(s, HCODE_ESTORE, "connection busy", NULL);
    }
    if (!s->prepared)
        return prepare(s);
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Creates the partition that holds time `at` if it does not exist. */
static int ensure_partition(pg_store *s, int64_t at)
{
    char sql[512];
    if (at < MIN_DAY_AT) {
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS hcode_checkin_before PARTITION OF hcode_checkin"
                 " FOR VALUES FROM (MINVALUE) TO (%lld)", (long long)MIN_DAY_AT);
    } else if (at >= MAX_DAY_AT) {
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS hcode_checkin_after PARTITION OF hcode_checkin"
                 " FOR VALUES FROM (%lld) TO (MAXVALUE)", (long long)MAX_DAY_AT);
    } else {
        int64_t d0 = floor_div(at, DAY) * DAY;
        time_t t = (time_t)d0;
        struct tm tm;
        if (!gmtime_r(&t, &tm))
            return fail(s, HCODE_EINVAL, "time out of range", NULL);
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS hcode_checkin_%04d%02d%02d PARTITION OF hcode_checkin"
                 " FOR VALUES FROM (%lld) TO (%lld)",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, (long long)d0,
                 (long long)d0 + DAY);
    }
    /* Several gates may meet a new day at once: serialise the DDL. */
    int rc = exec(s, "BEGIN", NULL);
    if (rc == 0)
        rc = exec(s, "SELECT pg_advisory_xact_lock(7304163726)", NULL);
    if (rc == 0)
        rc = exec(s, sql, NULL);
    if (rc == 0)
        rc = exec(s, "COMMIT", NULL);
    if (rc != 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        (void)exec(s, "ROLLBACK", NULL);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int partition_key(int64_t at)
{
    return at < MIN_DAY_AT ? -1 : at >= MAX_DAY_AT ? 1 : 0;
}

static int ensure_partitions(pg_store *s, const hcode_record *recs, size_t n)
{
    int64_t *days = malloc((n ? n : 1) * sizeof *days);
    if (!days)
        return fail(s, HCODE_ENOMEM, "out of memory", NULL);
    for (size_t i = 0; i < n; i++) {
        int k = partition_key(recs[i].at);
        days[i] = k < 0 ? INT64_MIN : k > 0 ? INT64_MAX : floor_div(recs[i].at, DAY);
    }
    qsort(days, n, sizeof *days, cmp_i64);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i && days[i] == days[i - 1])
            continue;
        int64_t at = days[i] == INT64_MIN ? INT64_MIN
                     : days[i] == INT64_MAX ? INT64_MAX : days[i] * DAY;
        rc = ensure_partition(s, at);
    }
    free(days);
    return rc;
}

static bool hex32(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')) || i >= 32)
            return false;
    return i == 32;
}

static int check_record(pg_store *s, const hcode_record *r)
{
    if (!r || !hex32(r->record_id) || !hex32(r->subject) || !r->venue_id || !*r->venue_id ||
        strlen(r->venue_id) > HCODE_TEXT_MAX || (r->gate && strlen(r->gate) > HCODE_TEXT_MAX) ||
        (r->kind != HCODE_RECORD_IN && r->kind != HCODE_RECORD_OUT))
        return fail(s, HCODE_EINVAL, "invalid record", NULL);
    return 0;
}

static int pg_put(void *self, const hcode_record *rec)
{
    pg_store *s = self;
    int rc = check_record(s, rec);
    if (rc)
        return rc;
    char at[24], kind[8], status[8];
    snprintf(at, sizeof at, "%" PRId64, rec->at);
    snprintf(kind, sizeof kind, "%d", rec->kind);
    snprintf(status, sizeof status, "%d", rec->status);
    const char *v[7] = {rec->record_id, rec->subject, rec->venue_id, rec->gate ? rec->gate : "",
                        at, kind, status};
    for (int attempt = 0; attempt < 3; attempt++) {
        if ((rc = ready(s)) != 0)
            return rc;
        PGresult *r = PQexecPrepared(s->conn, "hcode_put", 7, v, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            return 0;
        }
        bool no_partition = sqlstate_is(r, "23514");
        rc = fail_res(s, "insert", r);
        PQclear(r);
        if (!no_partition)
            return rc;
        if ((rc = ensure_partition(s, rec->at)) != 0)
            return rc;
    }
    return rc;
}

/* COPY text format: escape backslash and the separators. */
static size_t copy_text(char *out, const char *in)
{
    size_t n = 0;
    for (; *in; in++) {
        switch (*in) {
        case '\\': out[n++] = '\\'; out[n++] = '\\'; break;
        case '\t': out[n++] = '\\'; out[n++] = 't'; break;
        case '\n': out[n++] = '\\'; out[n++] = 'n'; break;
        case '\r': out[n++] = '\\'; out[n++] = 'r'; break;
        default: out[n++] = *in;
        }
    }
    return n;
}

/* Streams the records as COPY text rows into `table`. */
static int copy_rows(pg_store *s, const char *table, const hcode_record *recs, size_t n,
                     char sqlstate[6])
{
    char sql[160];
    sqlstate[0] = '\0';
    snprintf(sql, sizeof sql,
             "COPY %s (record_id, subject, venue_id, gate, at, kind, status) FROM STDIN", table);
    PGresult *r = PQexec(s->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = fail_res(s, "copy", r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    /* the longest row: 2*35 + 2*2*128 escaped text + numbers */
    enum { ROW_MAX = 2 * 35 + 4 * HCODE_TEXT_MAX + 64 };
    char *buf = malloc(COPY_CHUNK + ROW_MAX);
    if (!buf) {
        PQputCopyEnd(s->conn, "out of memory");
        while ((r = PQgetResult(s->conn)))
            PQclear(r);
        return fail(s, HCODE_ENOMEM, "out of memory", NULL);
    }
    size_t len = 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok == 1; i++) {
        const hcode_record *x = &recs[i];
        char *p = buf + len;
        memcpy(p, "\\\\x", 3), p += 3;
        memcpy(p, x->record_id, 32), p += 32;
        *p++ = '\t';
        memcpy(p, "\\\\x", 3), p += 3;
        memcpy(p, x->subject, 32), p += 32;
        *p++ = '\t';
        p += copy_text(p, x->venue_id);
        *p++ = '\t';
        p += copy_text(p, x->gate ? x->gate : "");
        p += sprintf(p, "\t%" PRId64 "\t%d\t%d\n", x->at, x->kind, x->status);
        len = (size_t)(p - buf);
        if (len >= COPY_CHUNK) {
            ok = PQputCopyData(s->conn, buf, (int)len);
            len = 0;
        }
    }
    if (ok == 1 && len)
        ok = PQputCopyData(s->conn, buf, (int)len);
    free(buf);
    if (ok == 1)
        ok = PQputCopyEnd(s->conn, NULL);
    int rc = 0;
    bool any = false;
    while ((r = PQgetResult(s->conn))) {
        any = true;
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
            const char *c = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (c)
                snprintf(sqlstate, 6, "%s", c);
            rc = fail_res(s, "copy", r);
        }
        PQclear(r);
        if (PQstatus(s->conn) != CONNECTION_OK)
            break;
    }
    if (rc == 0 && (ok != 1 || !any))
        rc = fail(s, HCODE_ESTORE, "copy", PQerrorMessage(s->conn));
    return rc;
}

static int batch_once(pg_store *s, const hcode_record *recs, size_t n, bool staged,
                      char sqlstate[6])
{
    int rc = exec(s, "BEGIN", sqlstate);
    if (rc)
        return rc;
    if (!staged) {
        rc = copy_rows(s, "hcode_checkin", recs, n, sqlstate);
    } else {
        if (!s->stage_ready)
            rc = exec(s, "CREATE TEMP TABLE IF NOT EXISTS hcode_stage (LIKE hcode_checkin)"
                         " ON COMMIT DELETE ROWS", sqlstate);
        if (rc == 0)
            rc = copy_rows(s, "hcode_stage", recs, n, sqlstate);
        if (rc == 0)
            rc = exec(s, "INSERT INTO hcode_checkin SELECT * FROM hcode_stage"
                         " ON CONFLICT DO NOTHING", sqlstate);
    }
    if (rc == 0)
        rc = exec(s, "COMMIT", sqlstate);
    if (rc == 0 && staged)
        s->stage_ready = true;
    return rc;
}

static int pg_put_batch(void *self, const hcode_record *recs, size_t n)
{
    pg_store *s = self;
    if (n == 0)
        return 0;
    if (!recs)
        return fail(s, HCODE_EINVAL, "invalid batch", NULL);
    for (size_t i = 0; i < n; i++) {
        int rc = check_record(s, &recs[i]);
        if (rc)
            return rc;
    }
    bool staged = false;
    int rc = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        char state[6];
        if ((rc = ready(s)) != 0)
            return rc;
        rc = batch_once(s, recs, n, staged, state);
        if (rc == 0)
            return 0;
        if (PQstatus(s->conn) != CONNECTION_OK)
            return rc;   /* outcome of COMMIT unknown: the caller retries (idempotent) */
        if (!strcmp(state, "23505") && !staged) {
            staged = true;               /* some records are already stored */
        } else if (!strcmp(state, "23514")) {
            if ((rc = ready(s)) != 0 || (rc = ensure_partitions(s, recs, n)) != 0)
                return rc;
        } else {
            return rc;
        }
    }
    return rc;
}

static int deliver_rows(pg_store *s, PGresult *r, hcode_record_cb cb, void *data)
{
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        hcode_record rec;
        rec.record_id = PQgetvalue(r, i, 0);
        rec.subject = PQgetvalue(r, i, 1);
        rec.venue_id = PQgetvalue(r, i, 2);
        rec.gate = PQgetvalue(r, i, 3);
        rec.at = strtoll(PQgetvalue(r, i, 4), NULL, 10);
        rec.kind = atoi(PQgetvalue(r, i, 5));
        rec.status = atoi(PQgetvalue(r, i, 6));
        int rc = cb(&rec, data);
        if (rc != 0)
            return rc;
    }
    (void)s;
    return 0;
}

static int query(pg_store *s, const char *stmt, const char *key, int64_t from, int64_t to,
                 hcode_record_cb cb, void *data)
{
    if (!key || !cb)
        return fail(s, HCODE_EINVAL, "invalid query", NULL);
    if (from >= to)
        return 0;
    int rc = ready(s);
    if (rc)
        return rc;
    char a[24], b[24];
    snprintf(a, sizeof a, "%" PRId64, from);
    snprintf(b, sizeof b, "%" PRId64, to);
    const char *v[3] = {key, a, b};
    PGresult *r = PQexecPrepared(s->conn, stmt, 3, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = fail_res(s, "query", r);
        PQclear(r);
        return rc;
    }
    /* The result is held whole, so the callback may query the store again. */
    rc = deliver_rows(s, r, cb, data);
    PQclear(r);
    return rc;
}

static int pg_query_subject(void *self, const char *subject, int64_t from, int64_t to,
                            hcode_record_cb cb, void *data)
{
    pg_store *s = self;
    if (subject && !hex32(subject))
        return cb ? 0 : fail(s, HCODE_EINVAL, "invalid query", NULL);   /* matches nothing */
    return query(s, "hcode_qs", subject, from, to, cb, data);
}

/* Appends s to an array literal as a quoted element. */
static char *arr_add(char *p, const char *s)
{
    *p++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '"';
    return p;
}

/* Several (key, window) pairs in one round trip. */
static int query_many(pg_store *s, const char *stmt, const char *const *venues, const int64_t *from,
                      const int64_t *to, size_t n, hcode_record_cb cb, void *data)
{
    if (!venues || !from || !to || !cb)
        return fail(s, HCODE_EINVAL, "invalid query", NULL);
    if (n == 0)
        return 0;
    int rc = ready(s);
    if (rc)
        return rc;
    size_t vlen = 3;
    for (size_t i = 0; i < n; i++)
        vlen += 2 * strlen(venues[i]) + 3;
    char *va = malloc(vlen), *fa = malloc(n * 22 + 3), *ta = malloc(n * 22 + 3);
    if (!va || !fa || !ta) {
        free(va);
        free(fa);
        free(ta);
        return fail(s, HCODE_ENOMEM, "out of memory", NULL);
    }
    char *p = va, *q = fa, *r = ta;
    *p++ = *q++ = *r++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = *q++ = *r++ = ',';
        p = arr_add(p, venues[i]);
        q += sprintf(q, "%" PRId64, from[i]);
        r += sprintf(r, "%" PRId64, to[i]);
    }
    *p++ = *q++ = *r++ = '}';
    *p = *q = *r = '\0';
    const char *v[3] = {va, fa, ta};
    PGresult *res = PQexecPrepared(s->conn, stmt, 3, v, NULL, NULL, 0);
    free(va);
    free(fa);
    free(ta);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = fail_res(s, "query", res);
        PQclear(res);
        return rc;
    }
    rc = deliver_rows(s, res, cb, data);
    PQclear(res);
    return rc;
}

static int pg_query_venues(void *self, const char *const *venues, const int64_t *from, const int64_t *to,
                           size_t n, hcode_record_cb cb, void *data)
{
    return query_many(self, "hcode_qvs", venues, from, to, n, cb, data);
}

static int pg_query_subjects(void *self, const char *const *subjects, const int64_t *from, const int64_t *to,
                             size_t n, hcode_record_cb cb, void *data)
{
    pg_store *s = self;
    for (size_t i = 0; i < n; i++)
        if (!subjects || !hex32(subjects[i]))
            return fail(s, HCODE_EINVAL, "invalid query", NULL);
    return query_many(s, "hcode_qss", subjects, from, to, n, cb, data);
}

static int pg_query_venue(void *self, const char *venue_id, int64_t from, int64_t to,
                          hcode_record_cb cb, void *data)
{
    return query(self, "hcode_qv", venue_id, from, to, cb, data);
}

/* Partition name -> [lo, hi) it covers; false for names not ours. */
static bool partition_range(const char *name, int64_t *lo, int64_t *hi)
{
    int y, m, d;
    char tail;
    if (!strcmp(name, "hcode_checkin_before")) {
        *lo = INT64_MIN;
        *hi = MIN_DAY_AT;
        return true;
    }
    if (strlen(name) == 22 && sscanf(name, "hcode_checkin_%4d%2d%2d%c", &y, &m, &d, &tail) == 3) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        *lo = (int64_t)timegm(&tm);
        *hi = *lo + DAY;
        return true;
    }
    return false;
}

static int pg_purge_before(void *self, int64_t before, uint64_t *removed)
{
    pg_store *s = self;
    uint64_t total = 0;
    int rc = ready(s);
    if (rc)
        return rc;
    if ((rc = exec(s, "BEGIN", NULL)) != 0)
        return rc;
    PGresult *r = PQexec(s->conn,
                         "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                         " WHERE i.inhparent = 'hcode_checkin'::regclass");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = fail_res(s, "list partitions", r);
        PQclear(r);
        return rc;
    }
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *name = PQgetvalue(r, i, 0);
        int64_t lo, hi;
        if (!partition_range(name, &lo, &hi) || hi > before)
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", name);
        PGresult *c = PQexec(s->conn, sql);
        if (PQresultStatus(c) != PGRES_TUPLES_OK) {
            rc = fail_res(s, "count", c);
        } else {
            total += strtoull(PQgetvalue(c, 0, 0), NULL, 10);
            snprintf(sql, sizeof sql, "DROP TABLE %s", name);
            rc = exec(s, sql, NULL);
        }
        PQclear(c);
    }
    PQclear(r);
    if (rc == 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM hcode_checkin WHERE at < %" PRId64, before);
        r = PQexec(s->conn, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = fail_res(s, "delete", r);
        else
            total += strtoull(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    if (rc == 0)
        rc = exec(s, "COMMIT", NULL);
    if (rc == 0 && removed)
        *removed = total;
    return rc;
}

static int pg_audit_append(void *self, const char *line)
{
    pg_store *s = self;
    if (!line)
        return fail(s, HCODE_EINVAL, "invalid audit line", NULL);
    int rc = ready(s);
    if (rc)
        return rc;
    const char *v[1] = {line};
    PGresult *r = PQexecPrepared(s->conn, "hcode_audit_put", 1, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = fail_res(s, "audit append", r);
    PQclear(r);
    return rc;
}

static int pg_presentation_consume(void *self, const uint8_t *id, int64_t until, int64_t at)
{
    pg_store *s = self;
    if (!id)
        return fail(s, HCODE_EINVAL, "invalid presentation id", NULL);
    int rc = ready(s);
    if (rc)
        return rc;
    static const char hex[] = "0123456789abcdef";
    char idhex[33], u[24], a[24];
    for (int i = 0; i < 16; i++) {
        idhex[2 * i] = hex[id[i] >> 4];
        idhex[2 * i + 1] = hex[id[i] & 15];
    }
    idhex[32] = '\0';
    snprintf(u, sizeof u, "%" PRId64, until);
    snprintf(a, sizeof a, "%" PRId64, at);
    const char *v[3] = {idhex, u, a};
    PGresult *r = PQexecPrepared(s->conn, "hcode_consume", 3, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = fail_res(s, "presentation consume", r);
    else if (PQntuples(r) == 0)
        rc = HCODE_EEXIST;
    PQclear(r);
    return rc;
}

static int pg_audit_read(void *self, hcode_audit_line_cb cb, void *data)
{
    pg_store *s = self;
    if (!cb)
        return fail(s, HCODE_EINVAL, "invalid callback", NULL);
    int rc = ready(s);
    if (rc)
        return rc;
    PGresult *r = PQexec(s->conn, "SELECT line FROM hcode_audit ORDER BY seq");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = fail_res(s, "audit read", r);
        PQclear(r);
        return rc;
    }
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = cb(PQgetvalue(r, i, 0), data);
    PQclear(r);
    return rc;
}

static const char *pg_errmsg(void *self)
{
    pg_store *s = self;
    return s->err[0] ? s->err : NULL;
}

static void pg_close(void *self)
{
    pg_store *s = self;
    if (!s)
        return;
    PQfinish(s->conn);
    free(s);
}

static int hcode__store_pg_connect(void **out, const char *uri, char *err, size_t errlen)
{
    *out = NULL;
    pg_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return HCODE_ENOMEM;
    }
    /* Defaults first: values in the URI win. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"10", "hcode", uri, NULL};
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return HCODE_ENOMEM;
    }
    PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
    int rc = 0;
    if (PQstatus(s->conn) != CONNECTION_OK) {
        rc = fail(s, HCODE_ESTORE, "cannot connect", PQerrorMessage(s->conn));
    } else {
        rc = exec(s, "BEGIN", NULL);
        if (rc == 0)
            rc = exec(s, schema_sql, NULL);
        if (rc == 0)
            rc = exec(s, "COMMIT", NULL);
        if (rc == 0)
            rc = ready(s);
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s", s->err);
        pg_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

static const hcode_store_ops *hcode__store_pg_ops(void)
{
    static const hcode_store_ops ops = {
        .version = HCODE_STORE_VERSION,
        .put = pg_put,
        .query_subject = pg_query_subject,
        .query_subjects = pg_query_subjects,
        .query_venues = pg_query_venues,
        .presentation_consume = pg_presentation_consume,
        .query_venue = pg_query_venue,
        .put_batch = pg_put_batch,
        .purge_before = pg_purge_before,
        .audit_append = pg_audit_append,
        .audit_read = pg_audit_read,
        .errmsg = pg_errmsg,
        .close = pg_close,
    };
    return &ops;
}

int hcode__store_pg_open_msg(hcode_store **out, const char *uri, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!out || !uri)
        return HCODE_EINVAL;
    *out = NULL;
    void *self;
    int rc = hcode__store_pg_connect(&self, uri, err, errlen);
    if (rc)
        return rc;
    rc = hcode_store_new(out, hcode__store_pg_ops(), self);
    if (rc)
        pg_close(self);
    return rc;
}

int hcode__store_pg_open(hcode_store **out, const char *uri)
{
    char err[512];
    return hcode__store_pg_open_msg(out, uri, err, sizeof err);
}
