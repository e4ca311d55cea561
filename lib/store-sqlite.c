/* The SQLite backend (the embedded default), written against the same
 * hcode_store_ops struct a host application fills in.
 *
 * Schema (compact: ~100 bytes per check-in with both indexes):
 *   place(id, name)           venue and gate ids, each stored once
 *   subject(id, p)            16-byte subject pseudonyms, each stored once
 *   checkin(id, lo, sid, venue, at, info, gate)
 *       id   = the first 8 bytes of the 16-byte record id (big-endian,
 *              as a signed 64-bit integer): the rowid, so idempotence on
 *              the record id needs no extra index;
 *       lo   = the last 8 bytes; on the (2^-64) chance that two record ids
 *              share their first 8 bytes, the later one is placed at the
 *              next free rowid and lo holds all 16 bytes;
 *       info = (kind == out) | status << 1; gate 0 = none.
 *   index checkin_subject_time(sid, at), checkin_venue_time(venue, at)
 *   audit(seq, line)          the hash-chained audit log, keyed by each
 *                             entry's seq
 *   presented(id, until)      replay cache of dynamic presentations that
 *                             admitted someone: 16-byte replay id (a hash
 *                             of the presentation), kept until its window
 *                             ends; expired rows are deleted on each use
 * Nothing else is stored: no identifier in clear, no names.
 *
 * Durability: WAL, synchronous=FULL by default (see hcode/store.h). */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION 1

enum {
    S_INS, S_GET, S_INS_FULL, S_SUBJ_GET, S_SUBJ_INS, S_PLACE_GET, S_PLACE_INS,
    S_Q_SUBJ, S_Q_VENUE, S_AUDIT_INS, S_AUDIT_READ, S_BEGIN, S_COMMIT, S_ROLLBACK,
    S_PRES_GET, S_PRES_PUT, S_PRES_EXPIRE, S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_INS] = "INSERT OR IGNORE INTO checkin(id,lo,sid,venue,at,info,gate) VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [S_GET] = "SELECT lo FROM checkin WHERE id=?1",
    [S_INS_FULL] = "INSERT INTO checkin(id,lo,sid,venue,at,info,gate) VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [S_SUBJ_GET] = "SELECT id FROM subject WHERE p=?1",
    [S_SUBJ_INS] = "INSERT INTO subject(p) VALUES(?1)",
    [S_PLACE_GET] = "SELECT id FROM place WHERE name=?1",
    [S_PLACE_INS] = "INSERT INTO place(name) VALUES(?1)",
    /* one statement over several lines: the literals join on purpose */
    // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
    [S_Q_SUBJ] = "SELECT c.id,c.lo,c.at,c.info,v.name,g.name FROM subject s "
                 "JOIN checkin c ON c.sid=s.id JOIN place v ON v.id=c.venue "
                 "LEFT JOIN place g ON g.id=c.gate WHERE s.p=?1 AND c.at>=?2 AND c.at<?3",
    [S_Q_VENUE] = "SELECT c.id,c.lo,c.at,c.info,s.p,g.name FROM place v "
                  "JOIN checkin c ON c.venue=v.id JOIN subject s ON s.id=c.sid "
                  "LEFT JOIN place g ON g.id=c.gate WHERE v.name=?1 AND c.at>=?2 AND c.at<?3",
    [S_AUDIT_INS] = "INSERT INTO audit(seq,line) VALUES(?1,?2)",
    [S_AUDIT_READ] = "SELECT line FROM audit ORDER BY seq",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_PRES_GET] = "SELECT until FROM presented WHERE id=?1",
    [S_PRES_PUT] = "INSERT OR REPLACE INTO presented(id,until) VALUES(?1,?2)",
    [S_PRES_EXPIRE] = "DELETE FROM presented WHERE until<?1",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS place(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS subject(id INTEGER PRIMARY KEY, p BLOB NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS checkin(id INTEGER PRIMARY KEY, lo BLOB NOT NULL,"
    " sid INTEGER NOT NULL, venue INTEGER NOT NULL, at INTEGER NOT NULL,"
    " info INTEGER NOT NULL, gate INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS checkin_subject_time ON checkin(sid, at);"
    "CREATE INDEX IF NOT EXISTS checkin_venue_time ON checkin(venue, at);"
    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, line TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS presented(id BLOB PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS presented_until ON presented(until);";

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    char err[256];
} sq;

/* SQLite's own allocation failures come back as HCODE_ENOMEM, and a lock
 * still held by another connection after the busy timeout as HCODE_EBUSY,
 * so that a host can tell "retry later" from a broken database. */
static int nomem_or(sqlite3 *db, int code)
{
    if (!db)
        return code;
    int e = sqlite3_errcode(db);
    if (e == SQLITE_NOMEM)
        return HCODE_ENOMEM;
    if (e == SQLITE_BUSY || e == SQLITE_LOCKED)
        return HCODE_EBUSY;
    return code;
}

/* At open: the file system's refusals (full, read-only, I/O error) are
 * HCODE_EIO, not a format problem of the database. */
static int open_code(sqlite3 *db, int code)
{
    int e = db ? sqlite3_errcode(db) : SQLITE_OK;
    if (e == SQLITE_FULL || e == SQLITE_IOERR || e == SQLITE_READONLY || e == SQLITE_CANTOPEN ||
        e == SQLITE_PERM)
        return HCODE_EIO;
    return nomem_or(db, code);
}

static int fail(sq *s, int code, const char *what)
{
    snprintf(s->err, sizeof s->err, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
    return nomem_or(s->db, code);
}

static const char *s_errmsg(void *self)
{
    sq *s = self;
    return s->err[0] ? s->err : NULL;
}

static sqlite3_stmt *stmt(sq *s, int i)
{
    sqlite3_stmt *x = s->st[i];
    sqlite3_reset(x);
    sqlite3_clear_bindings(x);
    return x;
}

static int exec1(sq *s, int i)
{
    sqlite3_stmt *x = stmt(s, i);
    int rc = sqlite3_step(x);
    sqlite3_reset(x);
    return rc == SQLITE_DONE ? 0 : fail(s, HCODE_ESTORE, sql_text[i]);
}

static void be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Dictionary id of a text (place) or blob (subject). */
static int dict_id(sq *s, int get, int ins, const void *key, int len, bool blob, sqlite3_int64 *id)
{
    sqlite3_stmt *x = stmt(s, get);
    if (blob)
        sqlite3_bind_blob(x, 1, key, len, SQLITE_STATIC);
    else
        sqlite3_bind_text(x, 1, key, len, SQLITE_STATIC);
    int rc = sqlite3_step(x);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(x, 0);
        sqlite3_reset(x);
        return 0;
    }
    sqlite3_reset(x);
    if (rc != SQLITE_DONE)
        return fail(s, HCODE_ESTORE, "lookup");
    x = stmt(s, ins);
    if (blob)
        sqlite3_bind_blob(x, 1, key, len, SQLITE_STATIC);
    else
        sqlite3_bind_text(x, 1, key, len, SQLITE_STATIC);
    rc = sqlite3_step(x);
    sqlite3_reset(x);
    if (rc != SQLITE_DONE)
        return fail(s, HCODE_ESTORE, "insert");
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* One record inside an open transaction. */
static int put_one(sq *s, const hcode_record *r)
{
    uint8_t rid[16], subj[16];
    if (hcode__unhex(rid, 16, r->record_id, 32) || hcode__unhex(subj, 16, r->subject, 32)) {
        snprintf(s->err, sizeof s->err, "invalid record id or subject");
        return HCODE_EINVAL;
    }
    sqlite3_int64 sid, venue, gate = 0;
    int rc = dict_id(s, S_SUBJ_GET, S_SUBJ_INS, subj, 16, true, &sid);
    if (!rc)
        rc = dict_id(s, S_PLACE_GET, S_PLACE_INS, r->venue_id, -1, false, &venue);
    if (!rc && r->gate[0])
        rc = dict_id(s, S_PLACE_GET, S_PLACE_INS, r->gate, -1, false, &gate);
    if (rc)
        return rc;
    uint64_t id = be64_get(rid);
    int info = (r->kind == HCODE_RECORD_OUT ? 1 : 0) | r->status << 1;
    for (int probe = 0; probe < 64; probe++, id++) {
        sqlite3_stmt *x = stmt(s, probe ? S_INS_FULL : S_INS);
        sqlite3_bind_int64(x, 1, (sqlite3_int64)id);
        if (probe)
            sqlite3_bind_blob(x, 2, rid, 16, SQLITE_STATIC);
        else
            sqlite3_bind_blob(x, 2, rid + 8, 8, SQLITE_STATIC);
        sqlite3_bind_int64(x, 3, sid);
        sqlite3_bind_int64(x, 4, venue);
        sqlite3_bind_int64(x, 5, r->at);
        sqlite3_bind_int(x, 6, info);
        sqlite3_bind_int64(x, 7, gate);
        rc = sqlite3_step(x);
        sqlite3_reset(x);
        if (rc == SQLITE_DONE && sqlite3_changes(s->db) == 1)
            return 0;
        if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT)
            return fail(s, HCODE_ESTORE, "insert check-in");
        /* The rowid is taken: the same record (idempotent) or a collision. */
        x = stmt(s, S_GET);
        sqlite3_bind_int64(x, 1, (sqlite3_int64)id);
        rc = sqlite3_step(x);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(x);
            return fail(s, HCODE_ESTORE, "read check-in");
        }
        const uint8_t *lo = sqlite3_column_blob(x, 0);
        int lolen = sqlite3_column_bytes(x, 0);
        uint8_t have[16];
        if (lolen == 16 && lo) {
            memcpy(have, lo, 16);
        } else if (lolen == 8 && lo) {
            be64_put(have, id);
            memcpy(have + 8, lo, 8);
        } else {
            memset(have, 0, sizeof have);
        }
        sqlite3_reset(x);
        if (!memcmp(have, rid, 16))
            return 0; /* already stored */
    }
    snprintf(s->err, sizeof s->err, "record id collides with too many stored ids");
    return HCODE_ESTORE;
}

static int s_put_batch(void *self, const hcode_record *recs, size_t n)
{
    sq *s = self;
    s->err[0] = '\0';
    int rc = exec1(s, S_BEGIN);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++)
        rc = put_one(s, &recs[i]);
    if (!rc)
        rc = exec1(s, S_COMMIT);
    if (rc && !sqlite3_get_autocommit(s->db)) {
        char keep[sizeof s->err];
        memcpy(keep, s->err, sizeof keep);
        exec1(s, S_ROLLBACK);
        memcpy(s->err, keep, sizeof keep);
    }
    return rc;
}

static int s_put(void *self, const hcode_record *r) { return s_put_batch(self, r, 1); }

static int run_query(sq *s, int which, const char *key, int keylen, bool blob, const char *fixed,
                     int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    s->err[0] = '\0';
    sqlite3_stmt *x = stmt(s, which);
    if (blob)
        sqlite3_bind_blob(x, 1, key, keylen, SQLITE_STATIC);
    else
        sqlite3_bind_text(x, 1, key, keylen, SQLITE_STATIC);
    sqlite3_bind_int64(x, 2, from);
    sqlite3_bind_int64(x, 3, to);
    int rc;
    while ((rc = sqlite3_step(x)) == SQLITE_ROW) {
        uint64_t id = (uint64_t)sqlite3_column_int64(x, 0);
        const uint8_t *lo = sqlite3_column_blob(x, 1);
        int lolen = sqlite3_column_bytes(x, 1);
        uint8_t rid[16];
        if (lo && lolen == 16) {
            memcpy(rid, lo, 16);
        } else if (lo && lolen == 8) {
            be64_put(rid, id);
            memcpy(rid + 8, lo, 8);
        } else {
            sqlite3_reset(x);
            snprintf(s->err, sizeof s->err, "sqlite: corrupt check-in row");
            return HCODE_ESTORE;
        }
        char ridhex[33], subjhex[33];
        hcode__hex(ridhex, rid, 16);
        int info = sqlite3_column_int(x, 3);
        const char *other = (const char *)sqlite3_column_text(x, 4);
        if (blob) {
            other = (const char *)sqlite3_column_text(x, 4);
        } else {
            const uint8_t *p = sqlite3_column_blob(x, 4);
            if (!p || sqlite3_column_bytes(x, 4) != 16) {
                sqlite3_reset(x);
                snprintf(s->err, sizeof s->err, "sqlite: corrupt subject row");
                return HCODE_ESTORE;
            }
            hcode__hex(subjhex, p, 16);
        }
        const char *gate = (const char *)sqlite3_column_text(x, 5);
        if ((!gate || !other) && sqlite3_errcode(s->db) == SQLITE_NOMEM) {
            sqlite3_reset(x);
            snprintf(s->err, sizeof s->err, "sqlite: out of memory reading a check-in");
            return HCODE_ENOMEM;
        }
        hcode_record r = {
            .record_id = ridhex,
            .subject = blob ? fixed : subjhex,
            .venue_id = blob ? (other ? other : "") : fixed,
            .gate = gate ? gate : "",
            .at = sqlite3_column_int64(x, 2),
            .kind = (info & 1) ? HCODE_RECORD_OUT : HCODE_RECORD_IN,
            .status = info >> 1,
        };
        int urc = cb(&r, data);
        if (urc) {
            sqlite3_reset(x);
            return urc;
        }
    }
    sqlite3_reset(x);
    return rc == SQLITE_DONE ? 0 : fail(s, HCODE_ESTORE, "query");
}

static int s_query_subject(void *self, const char *subject, int64_t from, int64_t to,
                           hcode_record_cb cb, void *data)
{
    uint8_t p[16];
    if (hcode__unhex(p, 16, subject, strlen(subject)))
        return HCODE_EINVAL;
    return run_query(self, S_Q_SUBJ, (const char *)p, 16, true, subject, from, to, cb, data);
}

static int s_query_venue(void *self, const char *venue, int64_t from, int64_t to,
                         hcode_record_cb cb, void *data)
{
    return run_query(self, S_Q_VENUE, venue, -1, false, venue, from, to, cb, data);
}

static int s_purge(void *self, int64_t before, uint64_t *removed)
{
    sq *s = self;
    s->err[0] = '\0';
    int rc = exec1(s, S_BEGIN);
    if (rc)
        return rc;
    sqlite3_stmt *x = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM checkin WHERE at<?1", -1, &x, NULL) != SQLITE_OK) {
        rc = fail(s, HCODE_ESTORE, "purge");
        goto out;
    }
    sqlite3_bind_int64(x, 1, before);
    if (sqlite3_step(x) != SQLITE_DONE) {
        rc = fail(s, HCODE_ESTORE, "purge");
        goto out;
    }
    *removed = (uint64_t)sqlite3_changes(s->db);
    /* Pseudonyms of people with no check-in left go too. */
    if (sqlite3_exec(s->db, "DELETE FROM subject WHERE NOT EXISTS "
                            "(SELECT 1 FROM checkin c WHERE c.sid=subject.id)", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(s, HCODE_ESTORE, "purge subjects");
        goto out;
    }
    rc = exec1(s, S_COMMIT);
out:
    sqlite3_finalize(x);
    if (rc && !sqlite3_get_autocommit(s->db)) {
        char keep[sizeof s->err];
        memcpy(keep, s->err, sizeof keep);
        exec1(s, S_ROLLBACK);
        memcpy(s->err, keep, sizeof keep);
    }
    return rc;
}

static int s_audit_append(void *self, const char *line)
{
    sq *s = self;
    s->err[0] = '\0';
    sqlite3_stmt *x = stmt(s, S_AUDIT_INS);
    /* The entry's own seq is the key: two writers appending after the same
     * entry cannot both succeed (the chain never forks). */
    const char *p = strstr(line, "\"seq\":");
    if (p)
        sqlite3_bind_int64(x, 1, strtoll(p + 6, NULL, 10));
    sqlite3_bind_text(x, 2, line, -1, SQLITE_STATIC);
    int rc = sqlite3_step(x);
    sqlite3_reset(x);
    return rc == SQLITE_DONE ? 0 : fail(s, HCODE_ESTORE, "audit append");
}

static int s_audit_read(void *self, hcode_audit_line_cb cb, void *data)
{
    sq *s = self;
    s->err[0] = '\0';
    sqlite3_stmt *x = stmt(s, S_AUDIT_READ);
    int rc;
    while ((rc = sqlite3_step(x)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(x, 0);
        int urc = cb(line ? line : "", data);
        if (urc) {
            sqlite3_reset(x);
            return urc;
        }
    }
    sqlite3_reset(x);
    return rc == SQLITE_DONE ? 0 : fail(s, HCODE_ESTORE, "audit read");
}

/* Check and record in one IMMEDIATE transaction: two gates (processes)
 * offered the same presentation cannot both get 0. */
static int s_presentation_consume(void *self, const uint8_t *id, int64_t until, int64_t at)
{
    sq *s = self;
    s->err[0] = '\0';
    int rc = exec1(s, S_BEGIN);
    if (rc)
        return rc;
    sqlite3_stmt *x = stmt(s, S_PRES_GET);
    sqlite3_bind_blob(x, 1, id, 16, SQLITE_STATIC);
    int step = sqlite3_step(x);
    bool live = step == SQLITE_ROW && sqlite3_column_int64(x, 0) >= at;
    sqlite3_reset(x);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = fail(s, HCODE_ESTORE, "read replay cache");
        goto out;
    }
    if (live) {
        rc = HCODE_EEXIST;
        goto out;
    }
    x = stmt(s, S_PRES_EXPIRE);
    sqlite3_bind_int64(x, 1, at);
    step = sqlite3_step(x);
    sqlite3_reset(x);
    if (step != SQLITE_DONE) {
        rc = fail(s, HCODE_ESTORE, "expire replay cache");
        goto out;
    }
    x = stmt(s, S_PRES_PUT);
    sqlite3_bind_blob(x, 1, id, 16, SQLITE_STATIC);
    sqlite3_bind_int64(x, 2, until);
    step = sqlite3_step(x);
    sqlite3_reset(x);
    if (step != SQLITE_DONE) {
        rc = fail(s, HCODE_ESTORE, "write replay cache");
        goto out;
    }
    rc = exec1(s, S_COMMIT);
out:
    if (rc && !sqlite3_get_autocommit(s->db)) {
        char keep[sizeof s->err];
        memcpy(keep, s->err, sizeof keep);
        exec1(s, S_ROLLBACK);
        memcpy(s->err, keep, sizeof keep);
    }
    return rc;
}

static void s_close(void *self)
{
    sq *s = self;
    if (!s)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

int hcode__store_sqlite_open(hcode_store **out, const char *path, unsigned flags, char *err, size_t errlen)
{
    *out = NULL;
    /* A new database is private to its owner: it holds pseudonyms. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return HCODE_EIO;
    }
    close(fd);
    sq *s = calloc(1, sizeof *s);
    if (!s)
        return HCODE_ENOMEM;
    int rc = HCODE_ESTORE;
    int orc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (orc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        if (orc == SQLITE_NOMEM)
            rc = HCODE_ENOMEM;
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 0);
    char *jm = NULL;
    sqlite3_stmt *x = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &x, NULL) != SQLITE_OK ||
        sqlite3_step(x) != SQLITE_ROW) {
        snprintf(err, errlen, "%s: not a usable SQLite database: %s", path, sqlite3_errmsg(s->db));
        sqlite3_finalize(x);
        goto fail;
    }
    jm = (char *)sqlite3_column_text(x, 0);
    bool wal = jm && !strcmp(jm, "wal");
    sqlite3_finalize(x);
    if (!wal) {
        snprintf(err, errlen, "%s: cannot switch the database to WAL mode", path);
        goto fail;
    }
    const char *sync = (flags & HCODE_SQLITE_SYNC_NORMAL) ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL";
    if (sqlite3_exec(s->db, sync, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    int version = -1;
    bool got_version = false;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &x, NULL) == SQLITE_OK && sqlite3_step(x) == SQLITE_ROW) {
        version = sqlite3_column_int(x, 0);
        got_version = true;
    }
    sqlite3_finalize(x);
    if (!got_version) {
        snprintf(err, errlen, "%s: cannot read the schema version: %s", path, sqlite3_errmsg(s->db));
        rc = open_code(s->db, HCODE_ESTORE);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    if (version != 0 && version != SCHEMA_VERSION) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(err, errlen, "%s: database schema version %d is not supported (expected %d)", path, version,
                 SCHEMA_VERSION);
        rc = HCODE_EFORMAT;
        goto fail;
    }
    if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA user_version=1; COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(s->db));
        rc = open_code(s->db, HCODE_EFORMAT);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
            goto fail;
        }
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = s_put;
    ops.put_batch = s_put_batch;
    ops.query_subject = s_query_subject;
    ops.query_venue = s_query_venue;
    ops.purge_before = s_purge;
    ops.audit_append = s_audit_append;
    ops.audit_read = s_audit_read;
    ops.errmsg = s_errmsg;
    ops.close = s_close;
    ops.presentation_consume = s_presentation_consume;
    rc = hcode_store_new(out, &ops, s);
    if (rc == 0)
        return 0;
fail:
    if (rc == HCODE_ESTORE)
        rc = open_code(s->db, rc);
    s_close(s);
    return rc;
}
