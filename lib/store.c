/* Storage handles: registration of backends, optional-method fallbacks,
 * return-code normalisation, and opening built-in backends by URI. */
#include "store-private.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t hcode_store_ops_size(void) { return sizeof(hcode_store_ops); }

int hcode__store_err(hcode_store *st, int code, const char *fmt, ...)
{
    if (st) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}

bool hcode__hex32_ok(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[32] == '\0';
}

bool hcode__record_ok(const hcode_record *r)
{
    return r && hcode__hex32_ok(r->record_id) && hcode__hex32_ok(r->subject) &&
           hcode__text_ok(r->venue_id, HCODE_TEXT_MAX) && r->gate &&
           (r->gate[0] == '\0' || hcode__text_ok(r->gate, HCODE_TEXT_MAX)) &&
           (r->kind == HCODE_RECORD_IN || r->kind == HCODE_RECORD_OUT) && r->status >= HCODE_GREEN &&
           r->status <= HCODE_RED;
}

int hcode_store_new(hcode_store **out, const hcode_store_ops *ops, void *self)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ops)
        return HCODE_EINVAL;
    if (ops->version < 1 || ops->version > HCODE_STORE_VERSION)
        return HCODE_EUNSUPPORTED;
    if (!ops->put || !ops->query_subject || !ops->query_venue)
        return HCODE_EINVAL;
    hcode_store *st = calloc(1, sizeof *st);
    if (!st)
        return HCODE_ENOMEM;
    /* An older host's struct is shorter: copy only the fields its version
     * has (version 1 ends at close, version 2 at query_subjects); the rest
     * stay NULL and their fallbacks apply. */
    size_t have = ops->version >= 3   ? sizeof st->ops
                  : ops->version == 2 ? offsetof(hcode_store_ops, presentation_consume)
                                      : offsetof(hcode_store_ops, query_subjects);
    memcpy(&st->ops, ops, have);
    st->self = self;
    *out = st;
    return HCODE_OK;
}

void hcode_store_free(hcode_store *st)
{
    if (!st)
        return;
    if (st->ops.close)
        st->ops.close(st->self);
    free(st);
}

const char *hcode_store_errmsg(const hcode_store *st)
{
    if (!st)
        return "no store";
    if (st->errmsg[0])
        return st->errmsg;
    return "";
}

/* Re-entrance: a backend method (or a query callback it drives) that
 * calls back into the same store gets HCODE_EBUSY instead of running a
 * second operation inside the first (a backend's statements, cursors or
 * transaction are in use, and the outer operation's state would be
 * clobbered). The outer call then goes on with what the backend returns. */
static int enter(hcode_store *st)
{
    if (st->busy)
        return hcode__store_err(st, HCODE_EBUSY,
                                "re-entrant call: a storage callback called back into the same store");
    st->busy = true;
    return HCODE_OK;
}

static int leave(hcode_store *st, int rc)
{
    st->busy = false;
    return rc;
}

#define GUARDED(st, call)                  \
    do {                                   \
        int grc_ = enter(st);              \
        if (grc_)                          \
            return grc_;                   \
        return leave(st, (call));          \
    } while (0)

/* Keeps only what the contract allows: 0, or a known negative code. */
static int normalise(hcode_store *st, int rc, const char *method)
{
    if (rc == 0)
        return HCODE_OK;
    const char *detail = st->ops.errmsg ? st->ops.errmsg(st->self) : NULL;
    if (rc > 0 || rc < HCODE_EBUSY)
        return hcode__store_err(st, HCODE_ECALLBACK, "storage backend %s returned %d, not 0 or an HCODE_E* code%s%s",
                                method, rc, detail ? ": " : "", detail ? detail : "");
    return hcode__store_err(st, rc, "storage backend %s failed: %s", method,
                            detail && *detail ? detail : hcode_strerror(rc));
}

static int put_one(hcode_store *st, const hcode_record *rec)
{
    st->errmsg[0] = '\0';
    if (!hcode__record_ok(rec))
        return hcode__store_err(st, HCODE_EINVAL, "invalid record (ids must be 32 lower-case hex characters, "
                                                  "venue id 1..%d bytes of text)", HCODE_TEXT_MAX);
    return normalise(st, st->ops.put(st->self, rec), "put");
}

int hcode_store_put(hcode_store *st, const hcode_record *rec)
{
    if (!st)
        return HCODE_EINVAL;
    GUARDED(st, put_one(st, rec));
}

static int put_batch(hcode_store *st, const hcode_record *recs, size_t n)
{
    st->errmsg[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!hcode__record_ok(&recs[i]))
            return hcode__store_err(st, HCODE_EINVAL, "invalid record at index %zu", i);
    if (n == 0)
        return HCODE_OK;
    if (st->ops.version >= 1 && st->ops.put_batch)
        return normalise(st, st->ops.put_batch(st->self, recs, n), "put_batch");
    /* Fallback: one by one. Not atomic: on failure some records may be
     * stored; puts are idempotent, so retrying the whole batch is safe. */
    for (size_t i = 0; i < n; i++) {
        int rc = normalise(st, st->ops.put(st->self, &recs[i]), "put");
        if (rc)
            return rc;
    }
    return HCODE_OK;
}

int hcode_store_put_batch(hcode_store *st, const hcode_record *recs, size_t n)
{
    if (!st || (!recs && n))
        return HCODE_EINVAL;
    GUARDED(st, put_batch(st, recs, n));
}

/* Validates every record a backend hands out before the caller sees it,
 * and tells the caller's stop value apart from backend failures. */
struct qwrap {
    hcode_record_cb cb;
    void *data;
    int user_rc;      /* non-zero: the caller's callback stopped the query */
    bool bad_record;
    const char *subject, *venue;
    int64_t from, to;
};

static int qwrap_cb(const hcode_record *rec, void *data)
{
    struct qwrap *w = data;
    if (w->user_rc || w->bad_record)
        return w->user_rc ? w->user_rc : HCODE_ECALLBACK; /* backend ignored our stop */
    if (!hcode__record_ok(rec) || rec->at < w->from || rec->at >= w->to ||
        (w->subject && strcmp(rec->subject, w->subject) != 0) ||
        (w->venue && strcmp(rec->venue_id, w->venue) != 0)) {
        w->bad_record = true;
        return HCODE_ECALLBACK;
    }
    int rc = w->cb(rec, w->data);
    if (rc)
        w->user_rc = rc;
    return rc;
}

static int query_unguarded(hcode_store *st, bool by_subject, const char *key, int64_t from, int64_t to,
                           hcode_record_cb cb, void *data)
{
    st->errmsg[0] = '\0';
    if (by_subject ? !hcode__hex32_ok(key) : !hcode__text_ok(key, HCODE_TEXT_MAX))
        return hcode__store_err(st, HCODE_EINVAL, by_subject ? "subject must be a 32-character lower-case hex pseudonym"
                                                             : "venue id must be 1..128 bytes of text");
    if (from >= to)
        return HCODE_OK;
    struct qwrap w = {cb, data, 0, false, by_subject ? key : NULL, by_subject ? NULL : key, from, to};
    int rc = by_subject ? st->ops.query_subject(st->self, key, from, to, qwrap_cb, &w)
                        : st->ops.query_venue(st->self, key, from, to, qwrap_cb, &w);
    const char *m = by_subject ? "query_subject" : "query_venue";
    if (w.bad_record)
        return hcode__store_err(st, HCODE_ECALLBACK, "storage backend %s returned an invalid or out-of-range record", m);
    if (w.user_rc) {
        if (rc != w.user_rc)
            return hcode__store_err(st, HCODE_ECALLBACK, "storage backend %s did not return the callback's stop value", m);
        return rc;
    }
    return normalise(st, rc, m);
}

static int query(hcode_store *st, bool by_subject, const char *key, int64_t from, int64_t to,
                 hcode_record_cb cb, void *data)
{
    if (!st || !key || !cb)
        return HCODE_EINVAL;
    GUARDED(st, query_unguarded(st, by_subject, key, from, to, cb, data));
}

int hcode_store_query_subject(hcode_store *st, const char *subject, int64_t from, int64_t to,
                              hcode_record_cb cb, void *data)
{
    return query(st, true, subject, from, to, cb, data);
}

int hcode_store_query_venue(hcode_store *st, const char *venue_id, int64_t from, int64_t to,
                            hcode_record_cb cb, void *data)
{
    return query(st, false, venue_id, from, to, cb, data);
}

struct vmulti {
    hcode_record_cb cb;
    void *data;
    bool by_subject;
    const char *const *keys;
    const int64_t *from, *to;
    size_t n;
    int user_rc;
    bool bad_record;
};

static int vmulti_cb(const hcode_record *rec, void *data)
{
    struct vmulti *w = data;
    if (w->user_rc || w->bad_record)
        return w->user_rc ? w->user_rc : HCODE_ECALLBACK;
    bool inside = false;
    if (hcode__record_ok(rec))
        for (size_t i = 0; i < w->n && !inside; i++)
            inside = rec->at >= w->from[i] && rec->at < w->to[i] &&
                     !strcmp(w->by_subject ? rec->subject : rec->venue_id, w->keys[i]);
    if (!inside) {
        w->bad_record = true;
        return HCODE_ECALLBACK;
    }
    int rc = w->cb(rec, w->data);
    if (rc)
        w->user_rc = rc;
    return rc;
}

static int query_many(hcode_store *st, bool by_subject, const char *const *keys, const int64_t *from,
                      const int64_t *to, size_t n, hcode_record_cb cb, void *data)
{
    if (!st || (n && (!keys || !from || !to)) || !cb)
        return HCODE_EINVAL;
    st->errmsg[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!keys[i] || (by_subject ? !hcode__hex32_ok(keys[i]) : !hcode__text_ok(keys[i], HCODE_TEXT_MAX)))
            return hcode__store_err(st, HCODE_EINVAL, by_subject ? "subject must be a 32-character lower-case hex pseudonym"
                                                                 : "venue id must be 1..128 bytes of text");
    int (*many)(void *, const char *const *, const int64_t *, const int64_t *, size_t, hcode_record_cb, void *) =
        st->ops.version >= 2 ? (by_subject ? st->ops.query_subjects : st->ops.query_venues) : NULL;
    if (!many || n == 1) {
        for (size_t i = 0; i < n; i++) {
            int rc = query(st, by_subject, keys[i], from[i], to[i], cb, data);
            if (rc)
                return rc;
        }
        return HCODE_OK;
    }
    if (n == 0)
        return HCODE_OK;
    const char *m = by_subject ? "query_subjects" : "query_venues";
    struct vmulti w = {cb, data, by_subject, keys, from, to, n, 0, false};
    int rc = many(st->self, keys, from, to, n, vmulti_cb, &w);
    if (w.bad_record)
        return hcode__store_err(st, HCODE_ECALLBACK, "storage backend %s returned an invalid or out-of-range record", m);
    if (w.user_rc) {
        if (rc != w.user_rc)
            return hcode__store_err(st, HCODE_ECALLBACK, "storage backend %s did not return the callback's stop value", m);
        return rc;
    }
    return normalise(st, rc, m);
}

int hcode_store_query_subjects(hcode_store *st, const char *const *subjects, const int64_t *from,
                               const int64_t *to, size_t n, hcode_record_cb cb, void *data)
{
    return query_many(st, true, subjects, from, to, n, cb, data);
}

int hcode_store_query_venues(hcode_store *st, const char *const *venues, const int64_t *from,
                             const int64_t *to, size_t n, hcode_record_cb cb, void *data)
{
    return query_many(st, false, venues, from, to, n, cb, data);
}

int hcode__store_purge_before(hcode_store *st, int64_t before, uint64_t *removed)
{
    *removed = 0;
    if (!(st->ops.version >= 1 && st->ops.purge_before))
        return hcode__store_err(st, HCODE_EUNSUPPORTED, "this storage backend cannot purge");
    uint64_t n = 0;
    int rc = enter(st);
    if (rc)
        return rc;
    rc = leave(st, normalise(st, st->ops.purge_before(st->self, before, &n), "purge_before"));
    if (rc == 0)
        *removed = n;
    return rc;
}

bool hcode__store_has_audit(const hcode_store *st)
{
    return st && st->ops.version >= 1 && st->ops.audit_append && st->ops.audit_read;
}

int hcode__store_audit_append(hcode_store *st, const char *line)
{
    if (!hcode__store_has_audit(st))
        return hcode__store_err(st, HCODE_EUNSUPPORTED, "this storage backend keeps no audit log");
    GUARDED(st, normalise(st, st->ops.audit_append(st->self, line), "audit_append"));
}

bool hcode__store_has_consume(const hcode_store *st)
{
    return st && st->ops.version >= 3 && st->ops.presentation_consume;
}

int hcode__store_consume(hcode_store *st, const uint8_t id[16], int64_t until, int64_t at)
{
    if (!hcode__store_has_consume(st))
        return hcode__store_err(st, HCODE_EUNSUPPORTED, "this storage backend keeps no replay cache");
    st->errmsg[0] = '\0';
    int rc = st->ops.presentation_consume(st->self, id, until, at);
    if (rc == HCODE_EEXIST)
        return rc;
    return normalise(st, rc, "presentation_consume");
}

struct awrap {
    hcode_audit_line_cb cb;
    void *data;
    int user_rc;
};

static int awrap_cb(const char *line, void *data)
{
    struct awrap *w = data;
    if (w->user_rc)
        return w->user_rc;
    if (!line)
        return HCODE_ECALLBACK;
    int rc = w->cb(line, w->data);
    if (rc)
        w->user_rc = rc;
    return rc;
}

int hcode__store_audit_read(hcode_store *st, hcode_audit_line_cb cb, void *data)
{
    if (!hcode__store_has_audit(st))
        return hcode__store_err(st, HCODE_EUNSUPPORTED, "this storage backend keeps no audit log");
    struct awrap w = {cb, data, 0};
    int rc = enter(st);
    if (rc)
        return rc;
    rc = leave(st, st->ops.audit_read(st->self, awrap_cb, &w));
    if (w.user_rc)
        return rc == w.user_rc ? rc : HCODE_ECALLBACK;
    return normalise(st, rc, "audit_read");
}

static int open_uri(hcode_store **out, const char *uri, char *err, size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    if (!uri || !*uri) {
        snprintf(err, errlen, "empty storage URI");
        return HCODE_EINVAL;
    }
    if (!strcmp(uri, ":memory:") || !strcmp(uri, "memory:"))
        return hcode__store_memory_open(out);
    if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
#ifdef HCODE_HAVE_PG
        char detail[512];
        int rc = hcode__store_pg_open_msg(out, uri, detail, sizeof detail);
        if (rc)
            snprintf(err, errlen, "cannot open PostgreSQL store: %.200s", detail[0] ? detail : hcode_strerror(rc));
        return rc;
#else
        snprintf(err, errlen, "PostgreSQL storage is not built in (configure with -Dpostgresql=enabled)");
        return HCODE_EUNSUPPORTED;
#endif
    }
    unsigned flags = 0;
    const char *sync = getenv("HCODE_SQLITE_SYNC");
    if (sync && !strcmp(sync, "normal"))
        flags |= HCODE_SQLITE_SYNC_NORMAL;
    return hcode__store_sqlite_open(out, uri, flags, err, errlen);
}

int hcode_store_open(hcode_store **out, const char *uri)
{
    if (!out)
        return HCODE_EINVAL;
    char err[256];
    return open_uri(out, uri, err, sizeof err);
}

int hcode_ctx_open_store(hcode_ctx *ctx, const char *uri)
{
    if (!ctx)
        return HCODE_EINVAL;
    hcode_store *st = NULL;
    char err[256];
    int rc = open_uri(&st, uri, err, sizeof err);
    if (rc)
        return hcode__err(ctx, rc, "%s", err[0] ? err : hcode_strerror(rc));
    return hcode_ctx_set_store(ctx, st);
}

int hcode_ctx_set_store(hcode_ctx *ctx, hcode_store *st)
{
    if (!ctx) {
        hcode_store_free(st);
        return HCODE_EINVAL;
    }
    if (ctx->store != st)
        hcode_store_free(ctx->store);
    ctx->store = st;
    ctx->audit_cached = false;
    return HCODE_OK;
}

hcode_store *hcode_ctx_store(const hcode_ctx *ctx) { return ctx ? ctx->store : NULL; }

int hcode_store_sqlite_open(hcode_store **out, const char *path, unsigned flags)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!path || !*path || (flags & ~(unsigned)HCODE_SQLITE_SYNC_NORMAL))
        return HCODE_EINVAL;
    char err[256];
    return hcode__store_sqlite_open(out, path, flags, err, sizeof err);
}
