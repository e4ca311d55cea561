/* libhcode: person codes (health codes), venue codes, offline verification. */
#ifndef HCODE_CODE_H
#define HCODE_CODE_H

#include "common.h"
#include "keys.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hcode_kind {
    HCODE_KIND_NONE = 0,
    HCODE_KIND_PERSON = 1,
    HCODE_KIND_VENUE = 2,
    HCODE_KIND_PRESENTATION = 3
} hcode_kind;

typedef enum hcode_status {
    HCODE_GREEN = 0,
    HCODE_YELLOW = 1,
    HCODE_RED = 2
} hcode_status;

/* Person-code flags (claim -4). Bits 0..7: reasons; bit 8: printed code. */
#define HCODE_REASON_CONTACT   0x01u  /* close contact of a case */
#define HCODE_REASON_TRAVEL    0x02u  /* arrived from a risk area */
#define HCODE_REASON_SYMPTOMS  0x04u  /* reported symptoms */
#define HCODE_REASON_POSITIVE  0x08u  /* positive test */
#define HCODE_REASON_NO_TEST   0x10u  /* test overdue */
#define HCODE_FLAG_PRINTED     0x100u /* printed code (no smartphone) */

/* Verification verdicts. Values and names are stable: gates log them. */
typedef enum hcode_vcode {
    HCODE_V_VALID = 0,
    HCODE_V_MALFORMED = 1,
    HCODE_V_BAD_SIGNATURE = 2,
    HCODE_V_UNKNOWN_ISSUER = 3,
    HCODE_V_EXPIRED = 4,
    HCODE_V_NOT_YET_VALID = 5,
    HCODE_V_STALE = 6,
    HCODE_V_REVOKED = 7,
    HCODE_V_HOLDER_BINDING_REQUIRED = 8,
    HCODE_V_REPLAYED = 9,
    HCODE_V_KEY_NOT_PERMITTED = 10,
    HCODE_V_HOLDER_MISMATCH = 11
} hcode_vcode;

/* "valid", "malformed", "bad_signature", ... ; "unknown" for other values. */
const char *hcode_verdict_name(int code);
const char *hcode_status_name(int status);   /* "green"... or NULL */
int hcode_status_parse(const char *name);    /* status, or -1 */
const char *hcode_kind_name(int kind);       /* "person", "venue", "presentation" */

/* Bounds on payload text, and on the free-text claims. */
#define HCODE_PAYLOAD_MAX 4096
size_t hcode_payload_max(void);
#define HCODE_TEXT_MAX 128     /* name, venue id, venue name, category (bytes) */

/* Default validities (seconds). */
#define HCODE_PERSON_TTL_DEFAULT (24 * 3600)
#define HCODE_VENUE_TTL_DEFAULT  (3 * 365 * 24 * 3600)

/* Issues a person's health code. subject: the person's identifier (e.g. an
 * identity-card number), pseudonymised, never written to the payload.
 * ttl <= 0 means HCODE_PERSON_TTL_DEFAULT. name: optional masked display
 * name (UTF-8), NULL for none. flags: HCODE_REASON_* | HCODE_FLAG_PRINTED.
 * holder_pk: optional 32-byte holder public key, NULL for none.
 * On success *out is the payload text (free with hcode_free()). */
int hcode_issue_person(hcode_ctx *ctx, const hcode_keypair *issuer,
                       const char *subject, int status, int64_t at,
                       int64_t ttl, const char *name, uint32_t flags,
                       const uint8_t *holder_pk, char **out) HCODE_WUR;

/* Issues a venue code. region NULL: the issuer's region. category may be
 * NULL. ttl <= 0 means HCODE_VENUE_TTL_DEFAULT. */
int hcode_issue_venue(hcode_ctx *ctx, const hcode_keypair *issuer,
                      const char *venue_id, const char *name,
                      const char *region, const char *category, int64_t at,
                      int64_t ttl, char **out) HCODE_WUR;

/* ---- Trusted issuer keys ---------------------------------------------- */

/* What a trusted key may sign. */
#define HCODE_USAGE_PERSON 0x1u
#define HCODE_USAGE_VENUE  0x2u
#define HCODE_USAGE_ALL    0x3u

/* Trusts a raw Ed25519 public key for a region (person and venue codes,
 * no validity limit). */
int hcode_trust_add_key(hcode_ctx *ctx, const uint8_t *pk, const char *region) HCODE_WUR;
/* Trusts the public half of a key pair. */
int hcode_trust_add_keypair(hcode_ctx *ctx, const hcode_keypair *kp) HCODE_WUR;
/* Trusts a PREFIX.pub file (JSON). */
int hcode_trust_add_file(hcode_ctx *ctx, const char *path) HCODE_WUR;
/* Reads the 32-byte public key from a PREFIX.pub file (e.g. a holder's). */
int hcode_public_key_load(hcode_ctx *ctx, const char *path, uint8_t *pk) HCODE_WUR;
/* Number of trusted keys. */
size_t hcode_trust_count(const hcode_ctx *ctx);

/* ---- Verification ----------------------------------------------------- */

typedef struct hcode_verdict hcode_verdict;

/* Verifies one payload (len bytes, need not be NUL-terminated) offline at
 * time `at` (HCODE_NOW for now). Returns 0 whenever a verdict was made —
 * valid or not — and stores it in *out (free with hcode_verdict_free());
 * a negative code only for HCODE_EINVAL / HCODE_ENOMEM.
 * Order: envelope, signature (Ed25519 pinned, every key whose kid matches),
 * then alg/claims, then times with the context's skew tolerance. */
int hcode_verify(hcode_ctx *ctx, const char *payload, size_t len, int64_t at,
                 hcode_verdict **out) HCODE_WUR;

void hcode_verdict_free(hcode_verdict *v);

int hcode_verdict_valid(const hcode_verdict *v);      /* 1 or 0 */
int hcode_verdict_code(const hcode_verdict *v);       /* hcode_vcode */
/* Stable error name ("expired"...), or NULL when valid. */
const char *hcode_verdict_error(const hcode_verdict *v);
/* Human-readable detail; "" when valid. */
const char *hcode_verdict_message(const hcode_verdict *v);
int hcode_verdict_kind(const hcode_verdict *v);       /* hcode_kind */
/* Fields below are filled as far as decoding got; strings are "" when
 * absent, never NULL. */
const char *hcode_verdict_issuer(const hcode_verdict *v);  /* kid hex */
const char *hcode_verdict_region(const hcode_verdict *v);
int64_t hcode_verdict_iat(const hcode_verdict *v);
int64_t hcode_verdict_exp(const hcode_verdict *v);
const char *hcode_verdict_code_id(const hcode_verdict *v); /* cti hex */
int hcode_verdict_status(const hcode_verdict *v);     /* -1 if not a person */
const char *hcode_verdict_subject(const hcode_verdict *v); /* pseudonym hex */
uint32_t hcode_verdict_flags(const hcode_verdict *v);
const char *hcode_verdict_name_text(const hcode_verdict *v); /* display name */
int hcode_verdict_has_holder(const hcode_verdict *v);
const char *hcode_verdict_venue_id(const hcode_verdict *v);
const char *hcode_verdict_venue_name(const hcode_verdict *v);
const char *hcode_verdict_venue_region(const hcode_verdict *v);
const char *hcode_verdict_category(const hcode_verdict *v);

/* The verdict as one line of JSON (the CLI's `--json` object): valid, kind,
 * issuer, region, iat, exp, and per kind status/subject or venue_id/name;
 * error and message when invalid. Free with hcode_free(). */
int hcode_verdict_to_json(const hcode_verdict *v, char **out) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
