/* The gate outbox: a local SQLite queue of records waiting for the store.
 * See include/hcode/outbox.h for the delivery guarantees. */
#include "hcode/outbox.h"
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLUSH_BATCH 500

struct hcode_outbox {
    sqlite3 *db;
    int last_queued;
    char err[320];
};

static int ob_fail(hcode_outbox *ob, int code, const char *what)
{
    const char *d = ob->db ? sqlite3_errmsg(ob->db) : "";
    int ec = ob->db ? sqlite3_errcode(ob->db) : SQLITE_OK;
    int xc = ob->db ? sqlite3_extended_errcode(ob->db) : SQLITE_OK;
    int en = ob->db ? sqlite3_system_errno(ob->db) : 0;
    if (ec == SQLITE_FULL || en == ENOSPC || en == EFBIG || en == EDQUOT)
        d = "disk full";
    else if (xc == SQLITE_IOERR_WRITE)
        d = "disk full or write error";
    else if (xc == SQLITE_IOERR_FSYNC)
        d = "cannot sync to disk";
    snprintf(ob->err, sizeof ob->err, "outbox: %s%s%s", what, *d ? ": " : "", d);
    return code;
}

static int ob_exec(hcode_outbox *ob, const char *sql)
{
    if (sqlite3_exec(ob->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ob_fail(ob, HCODE_EIO, "write failed");
    return 0;
}

int hcode_outbox_open(hcode_outbox **out, const char *path)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!path || !*path)
        return HCODE_EINVAL;
    hcode_outbox *ob = calloc(1, sizeof *ob);
    if (!ob)
        return HCODE_ENOMEM;
    /* create with 0600: the outbox holds pseudonyms and venue visits */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(ob);
        return HCODE_EIO;
    }
    close(fd);
    int rc = sqlite3_open_v2(path, &ob->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(ob->db);
        free(ob);
        return HCODE_EIO;
    }
    sqlite3_busy_timeout(ob->db, 10000);
    rc = ob_exec(ob, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS outbox ("
                     " seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL UNIQUE,"
                     " subject TEXT NOT NULL, venue_id TEXT NOT NULL, gate TEXT NOT NULL,"
                     " at INTEGER NOT NULL, kind INTEGER NOT NULL, status INTEGER NOT NULL)");
    if (rc) {
        sqlite3_close(ob->db);
        free(ob);
        return HCODE_EIO;
    }
    *out = ob;
    return 0;
}

void hcode_outbox_free(hcode_outbox *ob)
{
    if (!ob)
        return;
    sqlite3_close(ob->db);
    free(ob);
}

const char *hcode_outbox_errmsg(const hcode_outbox *ob)
{
    return ob ? ob->err : "no outbox";
}

int hcode_outbox_queue(hcode_outbox *ob, const hcode_record *rec)
{
    if (!ob)
        return HCODE_EINVAL;
    ob->err[0] = '\0';
    if (!hcode__record_ok(rec)) {
        snprintf(ob->err, sizeof ob->err, "outbox: invalid record");
        return HCODE_EINVAL;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(ob->db,
                           "INSERT OR IGNORE INTO outbox (record_id, subject, venue_id, gate, at, kind, status)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
        return ob_fail(ob, HCODE_EIO, "cannot queue");
    sqlite3_bind_text(s, 1, rec->record_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, rec->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, rec->venue_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, rec->gate, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, rec->at);
    sqlite3_bind_int(s, 6, rec->kind);
    sqlite3_bind_int(s, 7, rec->status);
    int rc = sqlite3_step(s);
    int ret = rc == SQLITE_DONE ? 0 : ob_fail(ob, HCODE_EIO, "cannot queue");
    sqlite3_finalize(s);
    return ret;
}

int hcode_outbox_pending(hcode_outbox *ob, uint64_t *n)
{
    if (!ob || !n)
        return HCODE_EINVAL;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(ob->db, "SELECT count(*) FROM outbox", -1, &s, NULL) != SQLITE_OK)
        return ob_fail(ob, HCODE_EIO, "cannot read");
    int ret = 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(s, 0);
    else
        ret = ob_fail(ob, HCODE_EIO, "cannot read");
    sqlite3_finalize(s);
    return ret;
}

/* One batch of queued rows, copied out of SQLite. */
typedef struct {
    hcode_record recs[FLUSH_BATCH];
    char text[FLUSH_BATCH][2 * 33 + 2 * (HCODE_TEXT_MAX + 1)];
    size_t n;
    int64_t first_seq, last_seq;
} ob_batch;

static int load_batch(hcode_outbox *ob, ob_batch *b)
{
    b->n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(ob->db,
                           "SELECT seq, record_id, subject, venue_id, gate, at, kind, status"
                           " FROM outbox ORDER BY seq LIMIT ?", -1, &s, NULL) != SQLITE_OK)
        return ob_fail(ob, HCODE_EIO, "cannot read");
    sqlite3_bind_int(s, 1, FLUSH_BATCH);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char *t = b->text[b->n];
        const char *col[4];
        size_t len[4];
        for (int i = 0; i < 4; i++) {
            col[i] = (const char *)sqlite3_column_text(s, 1 + i);
            len[i] = col[i] ? strlen(col[i]) : 0;
        }
        if (len[0] != 32 || len[1] != 32 || len[2] > HCODE_TEXT_MAX || len[3] > HCODE_TEXT_MAX) {
            sqlite3_finalize(s);
            snprintf(ob->err, sizeof ob->err, "outbox: corrupt row");
            return HCODE_EFORMAT;
        }
        hcode_record *r = &b->recs[b->n];
        char *p = t;
        const char **dst[4] = {&r->record_id, &r->subject, &r->venue_id, &r->gate};
        for (int i = 0; i < 4; i++) {
            memcpy(p, col[i] ? col[i] : "", len[i] + 1);
            *dst[i] = p;
            p += len[i] + 1;
        }
        r->at = sqlite3_column_int64(s, 5);
        r->kind = sqlite3_column_int(s, 6);
        r->status = sqlite3_column_int(s, 7);
        int64_t seq = sqlite3_column_int64(s, 0);
        if (b->n == 0)
            b->first_seq = seq;
        b->last_seq = seq;
        b->n++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return ob_fail(ob, HCODE_EIO, "cannot read");
    return 0;
}

static int remove_batch(hcode_outbox *ob, const ob_batch *b)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(ob->db, "DELETE FROM outbox WHERE seq BETWEEN ? AND ?", -1, &s, NULL) !=
        SQLITE_OK)
        return ob_fail(ob, HCODE_EIO, "cannot remove delivered records");
    sqlite3_bind_int64(s, 1, b->first_seq);
    sqlite3_bind_int64(s, 2, b->last_seq);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    /* If this fails the batch stays queued and is delivered again later:
     * harmless, the store keeps each record_id once. */
    return rc == SQLITE_DONE ? 0 : ob_fail(ob, HCODE_EIO, "cannot remove delivered records");
}

int hcode_outbox_flush(hcode_outbox *ob, hcode_store *st, uint64_t *delivered)
{
    if (delivered)
        *delivered = 0;
    if (!ob || !st)
        return HCODE_EINVAL;
    ob->err[0] = '\0';
    ob_batch *b = malloc(sizeof *b);
    if (!b)
        return HCODE_ENOMEM;
    int rc;
    for (;;) {
        if ((rc = load_batch(ob, b)) != 0 || b->n == 0)
            break;
        rc = hcode_store_put_batch(st, b->recs, b->n);
        if (rc) {
            snprintf(ob->err, sizeof ob->err, "outbox: delivery failed: %s", hcode_store_errmsg(st));
            break;
        }
        /* acknowledged (COMMIT succeeded): only now forget the batch */
        if ((rc = remove_batch(ob, b)) != 0)
            break;
        if (delivered)
            *delivered += b->n;
    }
    free(b);
    return rc;
}

int hcode_outbox_put(hcode_outbox *ob, hcode_store *st, const hcode_record *rec, int *queued)
{
    if (queued)
        *queued = 0;
    if (!ob)
        return HCODE_EINVAL;
    ob->err[0] = '\0';
    ob->last_queued = 0;
    if (!hcode__record_ok(rec)) {
        snprintf(ob->err, sizeof ob->err, "outbox: invalid record");
        return HCODE_EINVAL;
    }
    if (st) {
        /* deliver what waits first (original times are kept, order does not matter) */
        uint64_t pending = 0;
        int rc = 0;
        if (hcode_outbox_pending(ob, &pending) == 0 && pending)
            rc = hcode_outbox_flush(ob, st, NULL);
        if (rc != HCODE_ESTORE) {
            rc = hcode_store_put(st, rec);
            if (rc == 0)
                return 0;
            if (rc != HCODE_ESTORE)
                return rc;
        }
    }
    int rc = hcode_outbox_queue(ob, rec);
    if (rc == 0) {
        ob->last_queued = 1;
        if (queued)
            *queued = 1;
    }
    return rc;
}

int hcode_outbox_last_queued(const hcode_outbox *ob)
{
    return ob ? ob->last_queued : 0;
}

/* ---- the gate's store: inner store + outbox ---- */

typedef struct {
    hcode_outbox *ob;
    hcode_store *inner;
    bool inner_down;   /* the server failed once: do not wait for it again */
    char err[320];
} ob_store;

static int obs_put(void *self, const hcode_record *rec)
{
    ob_store *s = self;
    int rc = hcode_outbox_put(s->ob, s->inner_down ? NULL : s->inner, rec, NULL);
    if (rc == 0 && s->ob->last_queued)
        s->inner_down = true;
    if (rc)
        snprintf(s->err, sizeof s->err, "%s", s->ob->err[0] ? s->ob->err
                                              : s->inner ? hcode_store_errmsg(s->inner) : "");
    return rc;
}

static int obs_query_waiting(ob_store *s, bool by_subject, const char *key, int64_t from,
                             int64_t to, hcode_record_cb cb, void *data)
{
    sqlite3_stmt *q;
    const char *sql = by_subject
        ? "SELECT record_id, subject, venue_id, gate, at, kind, status FROM outbox"
          " WHERE subject = ? AND at >= ? AND at < ?"
        : "SELECT record_id, subject, venue_id, gate, at, kind, status FROM outbox"
          " WHERE venue_id = ? AND at >= ? AND at < ?";
    if (sqlite3_prepare_v2(s->ob->db, sql, -1, &q, NULL) != SQLITE_OK)
        return ob_fail(s->ob, HCODE_EIO, "cannot read");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, from);
    sqlite3_bind_int64(q, 3, to);
    int rc = 0, st = SQLITE_DONE;
    while (rc == 0 && (st = sqlite3_step(q)) == SQLITE_ROW) {
        hcode_record r;
        r.record_id = (const char *)sqlite3_column_text(q, 0);
        r.subject = (const char *)sqlite3_column_text(q, 1);
        r.venue_id = (const char *)sqlite3_column_text(q, 2);
        r.gate = (const char *)sqlite3_column_text(q, 3);
        r.at = sqlite3_column_int64(q, 4);
        r.kind = sqlite3_column_int(q, 5);
        r.status = sqlite3_column_int(q, 6);
        rc = cb(&r, data);
    }
    sqlite3_finalize(q);
    if (rc == 0 && st != SQLITE_DONE && st != SQLITE_ROW)
        return ob_fail(s->ob, HCODE_EIO, "cannot read");
    return rc;
}

static int obs_query(ob_store *s, bool by_subject, const char *key, int64_t from, int64_t to,
                     hcode_record_cb cb, void *data)
{
    if (s->inner && !s->inner_down) {
        int rc = by_subject ? hcode_store_query_subject(s->inner, key, from, to, cb, data)
                            : hcode_store_query_venue(s->inner, key, from, to, cb, data);
        if (rc != 0 && rc != HCODE_ESTORE)
            return rc;   /* the caller's stop value, or a real failure */
        if (rc == HCODE_ESTORE)
            s->inner_down = true;
    }
    return obs_query_waiting(s, by_subject, key, from, to, cb, data);
}

static int obs_query_subject(void *self, const char *subject, int64_t from, int64_t to,
                             hcode_record_cb cb, void *data)
{
    return obs_query(self, true, subject, from, to, cb, data);
}

static int obs_query_venue(void *self, const char *venue, int64_t from, int64_t to,
                           hcode_record_cb cb, void *data)
{
    return obs_query(self, false, venue, from, to, cb, data);
}

static const char *obs_errmsg(void *self)
{
    ob_store *s = self;
    return s->err[0] ? s->err : NULL;
}

static void obs_close(void *self)
{
    ob_store *s = self;
    hcode_store_free(s->inner);
    free(s);
}

int hcode_outbox_store_new(hcode_store **out, hcode_outbox *ob, hcode_store *inner)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ob)
        return HCODE_EINVAL;
    ob_store *s = calloc(1, sizeof *s);
    if (!s)
        return HCODE_ENOMEM;
    s->ob = ob;
    s->inner = inner;
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = obs_put;
    ops.query_subject = obs_query_subject;
    ops.query_venue = obs_query_venue;
    ops.errmsg = obs_errmsg;
    ops.close = obs_close;
    int rc = hcode_store_new(out, &ops, s);
    if (rc) {
        s->inner = NULL;
        free(s);
    }
    return rc;
}
