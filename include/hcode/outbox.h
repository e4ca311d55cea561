/* libhcode: the gate outbox — nothing lost when the network is.
 *
 * A gate writing to a remote store (PostgreSQL) keeps a local SQLite file.
 * When the store cannot be reached, a record is committed durably to that
 * file and the check-in is acknowledged as queued; later the queued records
 * are delivered to the store, each batch removed from the file only after
 * the store acknowledged it (COMMIT succeeded). A delivery interrupted at
 * any point is simply repeated: stores keep a record_id once, so every
 * record ends up stored exactly once, with its original time, in whatever
 * order batches arrive.
 *
 * Several processes may share one outbox file (SQLite locking); two
 * deliveries of the same outbox at once are harmless for the same reason.
 */
#ifndef HCODE_OUTBOX_H
#define HCODE_OUTBOX_H

#include "common.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcode_outbox hcode_outbox;

/* Opens the outbox file, creating it (mode 0600) when missing. */
int hcode_outbox_open(hcode_outbox **out, const char *path) HCODE_WUR;

/* Closes. NULL is fine. */
void hcode_outbox_free(hcode_outbox *ob);

/* Queues one record durably (synced to disk before 0 is returned).
 * Queuing a record_id already queued keeps one copy. A full disk or a
 * write error is HCODE_EIO, and then nothing was queued. */
int hcode_outbox_queue(hcode_outbox *ob, const hcode_record *rec) HCODE_WUR;

/* Number of records waiting. */
int hcode_outbox_pending(hcode_outbox *ob, uint64_t *n) HCODE_WUR;

/* Delivers every waiting record to st in batches (hcode_store_put_batch, all
 * or none each), removing a batch only after the store acknowledged it.
 * Stops at the first store failure, leaving the rest queued, and returns its
 * code (the store's message in hcode_store_errmsg). *delivered (may be NULL)
 * receives the number of records delivered by this call. */
int hcode_outbox_flush(hcode_outbox *ob, hcode_store *st, uint64_t *delivered) HCODE_WUR;

/* What a gate does with one record: first delivers what is waiting, then
 * stores rec in st; if st is NULL (the store could not be opened) or the
 * store fails (HCODE_ESTORE: unreachable, connection lost, outcome of the
 * COMMIT unknown), queues rec instead and sets *queued to 1. Returns 0 when
 * the record is stored or queued; an invalid record (HCODE_EINVAL) or a
 * failure to queue (HCODE_EIO) is returned and nothing is acknowledged. */
int hcode_outbox_put(hcode_outbox *ob, hcode_store *st, const hcode_record *rec,
                     int *queued) HCODE_WUR;

/* 1 when the last successful hcode_outbox_put (or put through the store
 * below) queued its record instead of storing it, else 0. */
int hcode_outbox_last_queued(const hcode_outbox *ob);

/* A store for gates: a storage handle whose put goes through
 * hcode_outbox_put (store in `inner`, or queue), and whose queries return
 * the records of `inner` plus those still waiting in the outbox. `inner`
 * (may be NULL when the server could not be reached) is owned by the new
 * store from success on; `ob` is borrowed and must outlive it. Give it to
 * a context with hcode_ctx_set_store() and check-ins are queued when the
 * server is away. */
int hcode_outbox_store_new(hcode_store **out, hcode_outbox *ob, hcode_store *inner) HCODE_WUR;

/* Detail of the last failure on this outbox ("" if none). */
const char *hcode_outbox_errmsg(const hcode_outbox *ob);

#ifdef __cplusplus
}
#endif
#endif
