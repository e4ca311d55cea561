/* libhcode: signed trust lists (mutual recognition between regions) and
 * issuer-signed revocation lists. Formats: docs/TRUST.md. */
#ifndef HCODE_TRUSTLIST_H
#define HCODE_TRUSTLIST_H

#include "common.h"
#include "keys.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One issuer entry of a trust list. */
typedef struct hcode_trust_entry {
    char region[HCODE_REGION_MAX + 1];   /* the issuer's region, e.g. "CN-370100" */
    uint8_t public_key[32];              /* Ed25519 public key; kid derived from it */
    int64_t not_before;   /* codes issued (iat) before this are refused; 0: no limit */
    int64_t not_after;    /* codes issued after this are refused (key rotation); 0: no limit */
    unsigned usage;       /* HCODE_USAGE_PERSON, HCODE_USAGE_VENUE or HCODE_USAGE_ALL */
} hcode_trust_entry;

/* Bounds. */
#define HCODE_TRUSTLIST_MAX_ENTRIES 1024
#define HCODE_TRUSTLIST_FILE_MAX (1024 * 1024)
/* Default validity of a trust list (seconds). */
#define HCODE_TRUSTLIST_TTL_DEFAULT (30 * 24 * 3600)

/* Fills an entry from a PREFIX.pub file: region and key, no validity
 * limits, usage HCODE_USAGE_ALL. */
int hcode_trust_entry_from_file(hcode_ctx *ctx, const char *path, hcode_trust_entry *e) HCODE_WUR;

/* Signs a trust list of n entries (1..HCODE_TRUSTLIST_MAX_ENTRIES) with
 * the root key, issued at `at` (HCODE_NOW), valid for ttl seconds (<= 0:
 * HCODE_TRUSTLIST_TTL_DEFAULT). *out is the file text "HCTL1:<Base45>\n",
 * free with hcode_free(). */
int hcode_trustlist_sign(hcode_ctx *ctx, const hcode_keypair *root, const hcode_trust_entry *entries,
                         size_t n, int64_t at, int64_t ttl, char **out) HCODE_WUR;

/* Loads a trust list (text or binary form, len bytes) and trusts its
 * entries. The list must verify under root_pk (32 bytes), must not be
 * expired at `at`, and must not be issued after at + the context's skew.
 * All or nothing: on any failure (HCODE_ETRUST with hcode_errmsg()
 * naming the cause, HCODE_EFORMAT, HCODE_ENOMEM) no key is added. */
int hcode_trustlist_load(hcode_ctx *ctx, const char *data, size_t len, const uint8_t *root_pk,
                         int64_t at) HCODE_WUR;
/* The same from a file (at most HCODE_TRUSTLIST_FILE_MAX bytes). */
int hcode_trustlist_load_file(hcode_ctx *ctx, const char *path, const uint8_t *root_pk,
                              int64_t at) HCODE_WUR;

/* ---- Revocation lists -------------------------------------------------- */

/* Size of a code id (the code's cti claim). */
size_t hcode_code_id_bytes(void);   /* 8 */
/* Most ids in one revocation list, and over all lists of a context. */
#define HCODE_REVOCATION_MAX_IDS (4u * 1024 * 1024)
#define HCODE_REVOCATION_MAX_TOTAL (16u * 1024 * 1024)
#define HCODE_REVOCATION_FILE_MAX (64u * 1024 * 1024)

/* Reads the code id (8 bytes) of a person or venue payload that `issuer`
 * signed. HCODE_EINVAL (with a message) when the payload is malformed or
 * not signed by this issuer key. The code's times are not checked. */
int hcode_code_id(hcode_ctx *ctx, const hcode_keypair *issuer, const char *payload, size_t len,
                  uint8_t *id) HCODE_WUR;

/* Signs a revocation list naming n code ids (ids: n * 8 bytes, any order,
 * duplicates dropped) issued at `at`. *out is the file text
 * "HCRL1:<Base45>\n", free with hcode_free(). */
int hcode_revocation_sign(hcode_ctx *ctx, const hcode_keypair *issuer, const uint8_t *ids, size_t n,
                          int64_t at, char **out) HCODE_WUR;

/* Loads a revocation list (text or binary form). It must verify under a
 * key the context already trusts (load trust first) whose region equals
 * the list's issuer, and must not be issued after at + skew. It then
 * revokes those ids for codes of that key only. HCODE_ETRUST otherwise;
 * nothing is kept on failure. */
int hcode_revocation_load(hcode_ctx *ctx, const char *data, size_t len, int64_t at) HCODE_WUR;
int hcode_revocation_load_file(hcode_ctx *ctx, const char *path, int64_t at) HCODE_WUR;

/* Ids loaded over all lists, and the bytes the lookup structures hold. */
size_t hcode_revocation_count(const hcode_ctx *ctx);
size_t hcode_revocation_memory(const hcode_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
