/* Audit log internals used by trace and purge. */
#ifndef HCODE_AUDIT_PRIVATE_H
#define HCODE_AUDIT_PRIVATE_H

#include "hcode-private.h"

/* Checks that an audited query can be logged (key, store with an audit
 * log, operator and purpose): no query runs otherwise. */
int hcode__audit_ready(hcode_ctx *ctx, const char *op, const char *purpose);
/* Appends a signed, chained entry. */
int hcode__audit_write(hcode_ctx *ctx, const char *op, const char *purpose, const char *query, uint64_t count);

#endif
