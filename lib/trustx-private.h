/* Internals of trust lists, revocation lists and presentations. */
#ifndef HCODE_TRUSTX_PRIVATE_H
#define HCODE_TRUSTX_PRIVATE_H

#include "hcode-private.h"

/* One loaded revocation list: the ids an issuer key revoked, sorted. */
typedef struct hcode__revset {
    uint8_t pk[HCODE__PK_BYTES];   /* the issuer key that signed it */
    uint8_t *ids;                  /* n * 8 bytes, strictly ascending */
    size_t n;
    uint32_t *bucket;              /* large lists: 65537 start offsets by the
                                      ids' first two bytes; NULL for small */
} hcode__revset;
#define HCODE__REV_BUCKET_MIN 4096  /* lists from this size get the index */

typedef struct hcode__replay_ent {
    uint8_t id[16];
    int64_t until;
} hcode__replay_ent;

struct hcode__tstate {
    hcode__revset *rev;
    size_t nrev, caprev;
    size_t rev_total;              /* ids over all lists */
    int64_t freshness;
    int require_presentation;
    hcode__replay_ent *replay;     /* HCODE_REPLAY_MAX slots, allocated on first use */
    size_t nreplay;
    uint64_t replay_gen;           /* bumped by every consume (scan verdict caches key on it) */
};

/* The context's state, allocated on first use (NULL on out of memory). */
struct hcode__tstate *hcode__ts(hcode_ctx *ctx);
void hcode__tstate_free(struct hcode__tstate *ts);
int64_t hcode__freshness(const hcode_ctx *ctx);

/* True when `cti` is on a revocation list signed by key `pk`. */
bool hcode__is_revoked(const hcode_ctx *ctx, const uint8_t pk[HCODE__PK_BYTES],
                       const uint8_t cti[HCODE__CTI_BYTES]);
/* Binary search in a sorted array of n 8-byte ids. */
bool hcode__id_search(const uint8_t *ids, size_t n, const uint8_t id[8]);

/* Verifies an HCD1 presentation (its COSE bytes). */
int hcode__present_verify(const hcode_ctx *ctx, const uint8_t *buf, size_t len, int64_t at,
                          hcode_verdict *v);

/* Reads a list file: "<MAGIC>1:" + Base45 text or "<MAGIC>" + binary COSE.
 * magic is 4 characters. *cose is malloc'd. */
int hcode__list_unwrap(hcode_ctx *ctx, const char *magic, const char *data, size_t len,
                       uint8_t **cose, size_t *coselen);
/* Wraps COSE bytes as "<MAGIC>1:" + Base45 + "\n". */
int hcode__list_wrap(hcode_ctx *ctx, const char *magic, const uint8_t *cose, size_t len,
                     char **out);

/* Reads a whole regular file of at most max bytes (sized by fstat). */
int hcode__read_file_fit(hcode_ctx *ctx, const char *path, size_t max, char **out, size_t *len);

#endif
