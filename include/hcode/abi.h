/* libhcode: names and sizes as functions, for language bindings, so that
 * a binding never copies a macro or an enum value by hand. */
#ifndef HCODE_ABI_H
#define HCODE_ABI_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stable lower-case name of an hcode_error value ("ok", "einval",
 * "enomem", ...), or NULL for a value that is not one. */
const char *hcode_error_name(int code);

/* HCODE_STORE_VERSION of this build (<hcode/sys/store.h>). */
unsigned hcode_store_version(void);

/* "in" (HCODE_RECORD_IN), "out" (HCODE_RECORD_OUT), else NULL. */
const char *hcode_record_kind_name(int kind);

/* Bytes of a presentation's replay identity, the `id` passed to the
 * presentation_consume storage method (<hcode/sys/store.h>). */
size_t hcode_presentation_id_bytes(void);

/* sizeof(hcode_record) and sizeof(hcode_trust_entry) of this build. */
size_t hcode_record_size(void);
size_t hcode_trust_entry_size(void);

#ifdef __cplusplus
}
#endif
#endif
