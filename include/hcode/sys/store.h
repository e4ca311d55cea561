/* libhcode: the storage callback — for authors of storage backends.
 *
 * A backend is a struct of function pointers whose first field is a
 * version. Fill it with HCODE_STORE_OPS_INIT, then set what you implement:
 *
 *     hcode_store_ops ops = HCODE_STORE_OPS_INIT;
 *     ops.put = my_put; ops.query_subject = my_qs; ops.query_venue = my_qv;
 *     hcode_store *st;
 *     if (hcode_store_new(&st, &ops, my_state) == 0) hcode_ctx_set_store(ctx, st);
 *
 * Rules:
 *  - Required: put, query_subject, query_venue. Registration refuses a
 *    struct without them, or with a version this library does not know.
 *  - Optional methods are called only when the struct's version has them
 *    and they are set; otherwise the library falls back (put_batch -> put
 *    one by one; a missing purge_before or audit method -> HCODE_EUNSUPPORTED;
 *    a missing presentation_consume -> the context's own replay cache only).
 *  - Versions: 1 (up to close), 2 (adds query_subjects), 3 (adds
 *    presentation_consume). A struct filled with an older header's
 *    HCODE_STORE_OPS_INIT keeps its older version and is still accepted;
 *    only its own fields are read.
 *  - Return 0 on success, a negative HCODE_E* code on failure. Any other
 *    value is reported to the caller as HCODE_ECALLBACK.
 *  - put must return 0 only after the record is durably stored; storing a
 *    record_id that is already stored must succeed without storing twice.
 *  - Records passed to put/put_batch are valid only during the call.
 *  - Query callbacks: call cb once per matching record; if cb returns
 *    non-zero, stop and return that value.
 *  - The ops struct is copied at registration; `self` is the backend's own
 *    state, passed back to every method, and released by close (if set)
 *    when the store is freed. Ownership of self passes to the store only
 *    when hcode_store_new succeeds.
 *  - Re-entrance: a method, or a query callback, that calls back into the
 *    same store (directly, or through a context using it, e.g.
 *    hcode_checkin()) gets HCODE_EBUSY; the outer call then continues with
 *    whatever the method returns. Freeing the store from inside a method
 *    is not allowed.
 *  - Blocking: the library has no timeout of its own and waits as long as
 *    a method does. A backend that waits for a lock should give up after
 *    its own deadline and return HCODE_EBUSY (the SQLite backend does so
 *    after 10 s); nothing is then acknowledged.
 *  - Lies: a put that returns 0 without storing is caught by check-in's
 *    read-back (HCODE_ESTORE, no admission); records handed out by a query
 *    outside the asked range, subject or venue, or invalid, stop the query
 *    with HCODE_ECALLBACK before the caller sees them.
 *  - Fields are only ever added at the end, with a new version number.
 */
#ifndef HCODE_SYS_STORE_H
#define HCODE_SYS_STORE_H

#include "../store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCODE_STORE_VERSION 3

typedef int (*hcode_audit_line_cb)(const char *line, void *data);

typedef struct hcode_store_ops {
    unsigned version;   /* HCODE_STORE_VERSION */

    /* --- required --- */
    int (*put)(void *self, const hcode_record *rec);
    int (*query_subject)(void *self, const char *subject, int64_t from, int64_t to,
                         hcode_record_cb cb, void *data);
    int (*query_venue)(void *self, const char *venue_id, int64_t from, int64_t to,
                       hcode_record_cb cb, void *data);

    /* --- optional (version 1) --- */
    /* All n records or none, durably. */
    int (*put_batch)(void *self, const hcode_record *recs, size_t n);
    /* Deletes records with at < before; *removed gets the count. */
    int (*purge_before)(void *self, int64_t before, uint64_t *removed);
    /* Appends one line to the audit log, durably. */
    int (*audit_append)(void *self, const char *line);
    /* Calls cb for every audit line in append order. */
    int (*audit_read)(void *self, hcode_audit_line_cb cb, void *data);
    /* Last error detail of the backend, or NULL. */
    const char *(*errmsg)(void *self);
    /* Releases self. */
    void (*close)(void *self);

    /* --- optional (version 2) --- */
    /* Records of subjects[i] with from[i] <= at < to[i], for every i, in
     * one call: one round trip instead of n for a database server (tracing
     * asks about many contacts at once). A record in several windows may be
     * delivered more than once. Fallback: query_subject per window. */
    int (*query_subjects)(void *self, const char *const *subjects, const int64_t *from,
                          const int64_t *to, size_t n, hcode_record_cb cb, void *data);
    /* Records at venues[i] with from[i] <= at < to[i], for every i, in one
     * call (a record in several windows may be delivered more than once).
     * Fallback: query_venue per window. */
    int (*query_venues)(void *self, const char *const *venues, const int64_t *from,
                        const int64_t *to, size_t n, hcode_record_cb cb, void *data);

    /* --- optional (version 3) --- */
    /* Replay cache of dynamic presentations shared by every process using
     * the store. Atomically: if `id` (16 bytes, the presentation's replay
     * identity) is stored with an expiry >= at, return HCODE_EEXIST and
     * change nothing; otherwise store (id, until) durably (replacing an
     * expired entry) and return 0. Entries whose expiry is < at may be
     * deleted at any time. Called once per admission by hcode_checkin().
     * Fallback: the context's own replay cache only. */
    int (*presentation_consume)(void *self, const uint8_t *id, int64_t until, int64_t at);
} hcode_store_ops;

#define HCODE_STORE_OPS_INIT {HCODE_STORE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

/* Size of the ops struct this library was built with (for bindings). */
size_t hcode_store_ops_size(void);

/* Registers a backend: checks version and required methods. */
int hcode_store_new(hcode_store **out, const hcode_store_ops *ops, void *self) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
