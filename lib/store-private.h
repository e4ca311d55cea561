/* Storage internals shared by lib/store*.c, checkin, trace and audit. */
#ifndef HCODE_STORE_PRIVATE_H
#define HCODE_STORE_PRIVATE_H

#include "hcode-private.h"
#include "hcode/sys/store.h"

struct hcode_store {
    hcode_store_ops ops;   /* copied at registration, unknown tail zeroed */
    void *self;
    char errmsg[256];
    bool busy;             /* inside a backend method or its callbacks */
};

/* Built-in backends (same struct a host fills in). */
int hcode__store_memory_open(hcode_store **out);
int hcode__store_sqlite_open(hcode_store **out, const char *path, unsigned flags, char *err,
                             size_t errlen);
/* The PostgreSQL backend (lib/store-pg.c), built when HCODE_HAVE_PG is defined. */
int hcode__store_pg_open(hcode_store **out, const char *uri);
/* The same, with the reason for a failure in err. */
int hcode__store_pg_open_msg(hcode_store **out, const char *uri, char *err, size_t errlen);

/* Sets the store's error detail. Returns code. */
int hcode__store_err(hcode_store *st, int code, const char *fmt, ...) HCODE__PRINTF(3, 4);

/* Record checks shared by the library and the built-in backends. */
bool hcode__hex32_ok(const char *s);
bool hcode__record_ok(const hcode_record *r);

/* Optional methods, with the version/NULL checks. */
int hcode__store_purge_before(hcode_store *st, int64_t before, uint64_t *removed);
bool hcode__store_has_audit(const hcode_store *st);
int hcode__store_audit_append(hcode_store *st, const char *line);
int hcode__store_audit_read(hcode_store *st, hcode_audit_line_cb cb, void *data);
/* True when the backend keeps the shared presentation replay cache. */
bool hcode__store_has_consume(const hcode_store *st);
/* presentation_consume: 0 newly consumed, HCODE_EEXIST already consumed
 * within its window, HCODE_EUNSUPPORTED without the method, or the
 * backend's error. */
int hcode__store_consume(hcode_store *st, const uint8_t id[16], int64_t until, int64_t at);

#endif
