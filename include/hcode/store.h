/* libhcode: check-in records and storage handles (public side).
 * Backend authors: see <hcode/sys/store.h>. */
#ifndef HCODE_STORE_H
#define HCODE_STORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a check-in record says. */
#define HCODE_RECORD_IN  1   /* entered the venue */
#define HCODE_RECORD_OUT 2   /* left the venue (exit gate) */

/* One stored check-in or check-out. Strings are NUL-terminated; a record
 * handed to a callback is valid only during that call (copy what you keep). */
typedef struct hcode_record {
    const char *record_id;   /* 32 lower-case hex chars, unique, made by the gate:
                                storing the same id twice must store it once */
    const char *subject;     /* pseudonym, 32 lower-case hex chars */
    const char *venue_id;    /* 1..HCODE_TEXT_MAX bytes UTF-8 */
    const char *gate;        /* gate id, may be "" */
    int64_t at;              /* Unix seconds */
    int kind;                /* HCODE_RECORD_IN or HCODE_RECORD_OUT */
    int status;              /* hcode_status at the time of the scan */
} hcode_record;

/* Called once per record by queries; a non-zero return stops the query and
 * is returned by it. */
typedef int (*hcode_record_cb)(const hcode_record *rec, void *data);

/* A storage handle: a backend (built-in or the host's) behind the
 * versioned hcode_store_ops struct. */
typedef struct hcode_store hcode_store;

/* Opens a built-in backend by URI:
 *   ":memory:" or "memory:"   the in-memory backend (tests, demos)
 *   "postgresql://..."        the PostgreSQL backend (when built)
 *   anything else             a SQLite database file (the embedded default) */
int hcode_store_open(hcode_store **out, const char *uri) HCODE_WUR;

/* Opens a built-in backend by URI and gives it to the context (errors
 * detailed by hcode_errmsg(ctx)). */
int hcode_ctx_open_store(hcode_ctx *ctx, const char *uri) HCODE_WUR;

/* The SQLite backend, opened or created at path.
 *
 * Durability: by default the database runs in WAL mode with
 * synchronous=FULL, so a put returns only after the commit reached the
 * disk (one fsync per check-in): an acknowledged check-in survives a
 * power cut. HCODE_SQLITE_SYNC_NORMAL (or the environment variable
 * HCODE_SQLITE_SYNC=normal for hcode_store_open) uses synchronous=NORMAL:
 * several times faster, still never corrupts the database, but the last
 * commits before a power cut (not a process crash) can be lost although
 * they were acknowledged. Batched puts (hcode_store_put_batch) are one
 * durable transaction whatever the mode.
 *
 * Only pseudonyms are stored: subjects as 16-byte blobs, record ids as
 * blobs, venue and gate ids as text in a small dictionary table. */
#define HCODE_SQLITE_SYNC_NORMAL 0x1u
int hcode_store_sqlite_open(hcode_store **out, const char *path, unsigned flags) HCODE_WUR;

/* Closes the backend and frees the handle. NULL is fine. */
void hcode_store_free(hcode_store *st);

/* Gives the store to the context, which then owns it (also on failure
 * of later calls); a store previously set is freed. */
int hcode_ctx_set_store(hcode_ctx *ctx, hcode_store *st) HCODE_WUR;

/* The context's store (NULL if none); still owned by the context. */
hcode_store *hcode_ctx_store(const hcode_ctx *ctx);

/* Records and queries on a store. put fails with HCODE_EINVAL on a
 * malformed record; a backend's failure comes back as its HCODE_E* code
 * (any other value as HCODE_ECALLBACK), detailed by hcode_store_errmsg().
 * put_batch falls back to put one by one when the backend has no batch
 * method: then a failure may leave part of the batch stored (retrying
 * the whole batch is safe: record ids make puts idempotent). */
int hcode_store_put(hcode_store *st, const hcode_record *rec) HCODE_WUR;
int hcode_store_put_batch(hcode_store *st, const hcode_record *recs, size_t n) HCODE_WUR;
/* Records of one subject / one venue with from <= at < to, in any order. */
int hcode_store_query_subject(hcode_store *st, const char *subject, int64_t from, int64_t to,
                              hcode_record_cb cb, void *data) HCODE_WUR;
int hcode_store_query_venue(hcode_store *st, const char *venue_id, int64_t from, int64_t to,
                            hcode_record_cb cb, void *data) HCODE_WUR;
/* Records of any of n subjects with from <= at < to, in any order (one
 * backend call when the backend has query_subjects, else one per subject). */
int hcode_store_query_subjects(hcode_store *st, const char *const *subjects, size_t n, int64_t from,
                               int64_t to, hcode_record_cb cb, void *data) HCODE_WUR;
/* Detail for the last failure on this store ("" if none). */
const char *hcode_store_errmsg(const hcode_store *st);

#ifdef __cplusplus
}
#endif
#endif
