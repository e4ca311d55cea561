/* libhcode: common definitions — errors, contexts, memory. */
#ifndef HCODE_COMMON_H
#define HCODE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HCODE_WUR __attribute__((warn_unused_result))
#else
#define HCODE_WUR
#endif

#define HCODE_VERSION_STRING "0.1.0"

/* Every fallible call returns 0 (HCODE_OK) or one of these negative codes.
 * Values are stable; new codes are only ever added at the end. */
typedef enum hcode_error {
    HCODE_OK = 0,
    HCODE_EINVAL = -1,       /* bad argument (NULL, out of range, bad syntax) */
    HCODE_ENOMEM = -2,       /* out of memory */
    HCODE_EIO = -3,          /* file could not be read or written */
    HCODE_EFORMAT = -4,      /* a file or buffer is not in the expected format */
    HCODE_EPERM = -5,        /* a secret file is readable by group or others */
    HCODE_EEXIST = -6,       /* refusing to overwrite an existing file */
    HCODE_ECRYPTO = -7,      /* the crypto library failed */
    HCODE_ELIMIT = -8,       /* input larger than the documented bound */
    HCODE_ENOTFOUND = -9,    /* no such record / key / symbol */
    HCODE_ESTORE = -10,      /* the storage backend failed */
    HCODE_EAUDIT = -11,      /* the audit log could not be written or is broken */
    HCODE_ETRUST = -12,      /* a trust or revocation list is invalid or expired */
    HCODE_EIMAGE = -13,      /* an image could not be decoded */
    HCODE_EUNSUPPORTED = -14,/* feature not built in */
    HCODE_ECALLBACK = -15,   /* a host callback misbehaved */
    HCODE_EBUSY = -16        /* resource busy / re-entrant call refused */
} hcode_error;

/* Static English text for an error code. Never NULL. */
const char *hcode_strerror(int code);

/* Library version string, e.g. "0.1.0". */
const char *hcode_version(void);

/* Initialise the library (libsodium). Idempotent and thread-safe;
 * hcode_ctx_new() calls it for you. Returns 0 or HCODE_ECRYPTO. */
int hcode_init(void) HCODE_WUR;

/* Free memory returned by the library (payload strings, buffers). NULL ok. */
void hcode_free(void *p);

/* Pass as an `at` argument to mean "the current time". */
#define HCODE_NOW INT64_MIN
/* The same value as a function, for bindings. */
int64_t hcode_now_sentinel(void);
/* Current time in Unix seconds. */
int64_t hcode_time_now(void);

/* The context: owns trusted keys, settings, storage and the last error
 * message. A context is not thread-safe; use one per thread. */
typedef struct hcode_ctx hcode_ctx;

int hcode_ctx_new(hcode_ctx **out) HCODE_WUR;
void hcode_ctx_free(hcode_ctx *ctx);

/* Detail for the last failing call on this context ("" if none). The text
 * stays valid until the next call on the context. */
const char *hcode_errmsg(const hcode_ctx *ctx);

/* Clock-skew tolerance in seconds applied to iat/exp checks
 * (default HCODE_DEFAULT_SKEW). Negative values are rejected. */
#define HCODE_DEFAULT_SKEW 30
int hcode_ctx_set_skew(hcode_ctx *ctx, int64_t seconds);
int64_t hcode_ctx_skew(const hcode_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
