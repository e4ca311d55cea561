/* Internals shared between library files. Not installed. */
#ifndef HCODE_PRIVATE_H
#define HCODE_PRIVATE_H

#include "hcode.h"

#include <stdarg.h>
#include <stdbool.h>

#define HCODE__KID_BYTES 8
#define HCODE__PK_BYTES 32
#define HCODE__SK_BYTES 64
#define HCODE__SEED_BYTES 32
#define HCODE__PSEUDO_BYTES 16
#define HCODE__CTI_BYTES 8
#define HCODE__SIG_BYTES 64

#if defined(__GNUC__)
#define HCODE__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HCODE__PRINTF(a, b)
#endif

/* A trusted issuer key. */
typedef struct hcode__trust_key {
    uint8_t kid[HCODE__KID_BYTES];
    uint8_t pk[HCODE__PK_BYTES];
    char region[HCODE_REGION_MAX + 1];
    int64_t not_before;   /* codes issued before this are refused; INT64_MIN: none */
    int64_t not_after;    /* codes issued after this are refused; INT64_MAX: none */
    unsigned usage;       /* HCODE_USAGE_* */
} hcode__trust_key;

struct hcode__tstate;  /* lib/trustx-private.h: revocation, presentations */
struct hcode__qr_state; /* lib/qr-scan.c */
void hcode__qr_state_free(struct hcode__qr_state *s);

struct hcode_ctx {
    char errmsg[256];
    int64_t skew;
    hcode__trust_key *keys;
    size_t nkeys, capkeys;
    /* code ids are drawn from this pool, refilled from the system RNG
     * 256 bytes at a time (one getrandom() per 32 codes, not per code) */
    uint8_t rand_pool[256];
    size_t rand_left;
    long rand_pid;   /* a forked child refills: it must not reuse the parent's bytes */
    struct hcode__tstate *ts;   /* NULL until first needed */
    /* check-ins, tracing, audit */
    hcode_store *store;           /* owned */
    hcode_policy *policy;         /* owned; NULL: defaults */
    hcode_keypair *audit_key;     /* owned copy; NULL: no audited queries */
    char *audit_head;             /* owned; NULL: no head file */
    bool audit_cached;            /* audit_seq/audit_hash hold the store's last entry */
    uint64_t audit_seq;
    char audit_hash[65];
    struct hcode__qr_state *qr;   /* scanner state and verdict cache, lazily made */
};

struct hcode_keypair {
    uint8_t sk[HCODE__SK_BYTES];      /* libsodium secret key (seed || pk) */
    uint8_t pk[HCODE__PK_BYTES];
    uint8_t kid[HCODE__KID_BYTES];
    char kid_hex[2 * HCODE__KID_BYTES + 1];
    char region[HCODE_REGION_MAX + 1];
    uint8_t pseudo_key[32];           /* derived: keys subject pseudonyms */
};

/* Decoded claims of a code. Strings point into the verdict's own storage. */
struct hcode_verdict {
    int code;
    int kind;
    char message[160];
    char issuer[2 * HCODE__KID_BYTES + 1];
    char region[HCODE_REGION_MAX + 1];
    int64_t iat, exp;
    char code_id[2 * HCODE__CTI_BYTES + 1];
    uint8_t cti[HCODE__CTI_BYTES];
    int status;
    char subject[2 * HCODE__PSEUDO_BYTES + 1];
    uint32_t flags;
    char name[HCODE_TEXT_MAX + 1];
    bool has_holder;
    uint8_t holder_pk[HCODE__PK_BYTES];
    char venue_id[HCODE_TEXT_MAX + 1];
    char venue_name[HCODE_TEXT_MAX + 1];
    char venue_region[HCODE_REGION_MAX + 1];
    char category[HCODE_TEXT_MAX + 1];
    /* the signed COSE bytes' hash, for revocation/presentation binding */
    uint8_t code_hash[32];
    int64_t presented_at;   /* presentations only */
    int64_t checked_at;     /* the verifier's time used for this verdict */
    bool has_pres_id;       /* valid presentation: replay-cache identity */
    uint8_t pres_id[16];
    int64_t pres_until;     /* last time the presentation could pass */
};

/* errors */
int hcode__err(hcode_ctx *ctx, int code, const char *fmt, ...) HCODE__PRINTF(3, 4);
void hcode__clear_err(hcode_ctx *ctx);

/* n (<= 256) fresh random bytes from the context's pool */
void hcode__random(hcode_ctx *ctx, uint8_t *out, size_t n);

/* time */
int64_t hcode__resolve_at(int64_t at);

/* hex */
void hcode__hex(char *out, const uint8_t *in, size_t n);
int hcode__unhex(uint8_t *out, size_t n, const char *in, size_t inlen);

/* keys */
void hcode__kid_from_pk(uint8_t kid[HCODE__KID_BYTES], const uint8_t pk[HCODE__PK_BYTES]);
int hcode__pseudonym(const hcode_keypair *kp, const char *identifier,
                     uint8_t out[HCODE__PSEUDO_BYTES]);
bool hcode__region_ok(const char *region);
bool hcode__text_ok(const char *s, size_t max);
int hcode__trust_push(hcode_ctx *ctx, const hcode__trust_key *k);

/* base45 (RFC 9285) */
size_t hcode__base45_encoded_len(size_t n);
/* Writes encoded text (no NUL) to out; returns its length. */
size_t hcode__base45_encode(char *out, const uint8_t *in, size_t n);
/* Returns decoded length, or (size_t)-1 on invalid input. out must hold
 * at least 2*ceil(len/3) bytes. */
size_t hcode__base45_decode(uint8_t *out, const char *in, size_t len);

/* COSE_Sign1 with EdDSA */
#define HCODE__COSE_MAX 3072
/* Signs payload under kp. Writes COSE_Sign1 bytes to out (capacity cap),
 * sets *outlen. */
int hcode__cose_sign(hcode_ctx *ctx, const hcode_keypair *kp,
                     const uint8_t *payload, size_t plen,
                     uint8_t *out, size_t cap, size_t *outlen);
/* Parsed envelope; pointers into the caller's buffer. */
typedef struct hcode__cose {
    const uint8_t *protected_hdr; size_t protected_len;
    const uint8_t *payload; size_t payload_len;
    const uint8_t *sig;
    uint8_t kid[HCODE__KID_BYTES];
    uint8_t kid_any[32];
    size_t kid_len;
} hcode__cose;
/* Parses the envelope and the protected header. On failure returns
 * HCODE_V_MALFORMED with a message in v. */
int hcode__cose_parse(const uint8_t *buf, size_t len, hcode__cose *c, hcode_verdict *v);
/* Checks the signature with every trusted key whose kid matches and whose
 * usage includes `usage`. Returns the matching key, or NULL with v set to
 * unknown_issuer / bad_signature. */
const hcode__trust_key *hcode__cose_verify(const hcode_ctx *ctx, const hcode__cose *c,
                                            hcode_verdict *v);
/* Checks the signature under one given public key, whatever the payload
 * size (the signed structure is built on the heap when large). Returns
 * 0 when it verifies, HCODE_V_BAD_SIGNATURE when not, HCODE_ENOMEM. */
int hcode__cose_verify_pk(const hcode__cose *c, const uint8_t pk[HCODE__PK_BYTES]);
/* Signs a payload of any size; *out is malloc'd (free()). */
int hcode__cose_sign_alloc(hcode_ctx *ctx, const hcode_keypair *kp, const uint8_t *payload,
                           size_t plen, uint8_t **out, size_t *outlen);

/* Internal verdict code: decoding ran out of memory (hcode_verify then
 * returns HCODE_ENOMEM instead of a verdict). */
#define HCODE__V_NOMEM (-1)

void hcode__verdict_set(hcode_verdict *v, int code, const char *fmt, ...) HCODE__PRINTF(3, 4);

/* payload prefixes */
#define HCODE__PREFIX_PERSON "HCP1:"
#define HCODE__PREFIX_VENUE "HCV1:"
#define HCODE__PREFIX_PRESENTATION "HCD1:"
#define HCODE__PREFIX_LEN 5

/* claims: encoding and decoding of the CWT map */
#define HCODE__CLAIM_ISS 1
#define HCODE__CLAIM_EXP 4
#define HCODE__CLAIM_IAT 6
#define HCODE__CLAIM_CTI 7
#define HCODE__CLAIM_KIND (-1)
#define HCODE__CLAIM_STATUS (-2)
#define HCODE__CLAIM_SUBJECT (-3)
#define HCODE__CLAIM_FLAGS (-4)
#define HCODE__CLAIM_NAME (-5)
#define HCODE__CLAIM_HOLDER (-6)
#define HCODE__CLAIM_VENUE_ID (-7)
#define HCODE__CLAIM_VENUE_NAME (-8)
#define HCODE__CLAIM_VENUE_REGION (-9)
#define HCODE__CLAIM_CATEGORY (-10)
#define HCODE__CLAIM_CREDENTIAL (-11)  /* presentation: the credential's COSE bytes */
#define HCODE__CLAIM_TL_ENTRIES (-20)  /* trust list: array of issuer entries */
#define HCODE__CLAIM_RL_IDS (-21)      /* revocation list: sorted 8-byte code ids */
#define HCODE__KIND_TRUST_LIST 16
#define HCODE__KIND_REVOCATION_LIST 17

/* Decodes the claims map into v. Returns 0, or sets v malformed. */
int hcode__claims_decode(const uint8_t *buf, size_t len, hcode_verdict *v);

/* Turns payload text into COSE bytes: checks the prefix (returns the kind
 * in *kind), bounds and Base45. Returns 0 or sets v malformed. */
int hcode__payload_unwrap(const char *text, size_t len, uint8_t *out, size_t cap,
                          size_t *outlen, int *kind, hcode_verdict *v);

int hcode__verify_cose(const hcode_ctx *ctx, const uint8_t *buf, size_t len, int expect,
                       int64_t at, hcode_verdict *v);
/* The checks after parsing: signature, claims, key permissions,
 * revocation, times. */
int hcode__verify_parsed(const hcode_ctx *ctx, const hcode__cose *c, int expect, int64_t at,
                         hcode_verdict *v);
int hcode__verify_into(hcode_ctx *ctx, const char *payload, size_t len, int64_t at,
                       hcode_verdict *v);

/* Checks that buf starts with one well-formed, definite-length CBOR item
 * whose declared sizes fit the buffer (see cbor-check.c); *used gets its
 * length. Returns 0 or -1. Call before every cbor_load(). */
int hcode__cbor_check(const uint8_t *buf, size_t len, size_t *used);

/* files */
int hcode__read_file(hcode_ctx *ctx, const char *path, size_t max, char **out, size_t *len);
/* Parses a PREFIX.pub JSON document into a public key and region. */
int hcode__parse_pub_json(hcode_ctx *ctx, const char *text, size_t len, const char *what,
                          uint8_t pk[HCODE__PK_BYTES], char region[HCODE_REGION_MAX + 1]);
int hcode__trust_add_pub_json(hcode_ctx *ctx, const char *text, size_t len, const char *what);

#endif
