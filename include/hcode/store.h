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

/* Closes the backend and frees the handle. NULL is fine. */
void hcode_store_free(hcode_store *st);

/* Gives the store to the context, which then owns it (also on failure
 * of later calls); a store previously set is freed. */
int hcode_ctx_set_store(hcode_ctx *ctx, hcode_store *st) HCODE_WUR;

/* Records and queries through whichever store the context has. */
int hcode_store_put(hcode_store *st, const hcode_record *rec) HCODE_WUR;
int hcode_store_put_batch(hcode_store *st, const hcode_record *recs, size_t n) HCODE_WUR;
/* Records of one subject / one venue with from <= at < to, in any order. */
int hcode_store_query_subject(hcode_store *st, const char *subject, int64_t from, int64_t to,
                              hcode_record_cb cb, void *data) HCODE_WUR;
int hcode_store_query_venue(hcode_store *st, const char *venue_id, int64_t from, int64_t to,
                            hcode_record_cb cb, void *data) HCODE_WUR;
/* Detail for the last failure on this store ("" if none). */
const char *hcode_store_errmsg(const hcode_store *st);

#ifdef __cplusplus
}
#endif
#endif
