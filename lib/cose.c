/* COSE_Sign1 (RFC 9052) with EdDSA / Ed25519 only. */
#include "hcode-private.h"
#include "cbor-read.h"

#include <cbor.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COSE_SIGN1_TAG 18
#define COSE_HDR_ALG 1
#define COSE_HDR_KID 4
#define COSE_ALG_EDDSA (-8)

static size_t put_bstr_head(uint8_t *out, size_t cap, size_t len)
{
    return cbor_encode_bytestring_start(len, out, cap);
}

/* Protected header: {1: -8, 4: h'kid'} in deterministic encoding. */
static size_t protected_header(uint8_t *out, const uint8_t kid[HCODE__KID_BYTES])
{
    size_t n = 0;
    out[n++] = 0xa2;              /* map(2) */
    out[n++] = 0x01;              /* 1: alg */
    out[n++] = 0x27;              /* -8 */
    out[n++] = 0x04;              /* 4: kid */
    out[n++] = 0x40 | HCODE__KID_BYTES;
    memcpy(out + n, kid, HCODE__KID_BYTES);
    return n + HCODE__KID_BYTES;
}

/* Sig_structure = ["Signature1", protected, h'', payload] */
static size_t sig_structure(uint8_t *out, size_t cap, const uint8_t *prot, size_t plen,
                            const uint8_t *payload, size_t len)
{
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    size_t n = 0, k;
    if (cap < sizeof head + plen + len + 20)
        return 0;
    memcpy(out, head, sizeof head);
    n = sizeof head;
    k = put_bstr_head(out + n, cap - n, plen);
    n += k;
    memcpy(out + n, prot, plen);
    n += plen;
    out[n++] = 0x40;
    k = put_bstr_head(out + n, cap - n, len);
    if (!k)
        return 0;
    n += k;
    memcpy(out + n, payload, len);
    return n + len;
}

int hcode__cose_sign(hcode_ctx *ctx, const hcode_keypair *kp, const uint8_t *payload,
                     size_t plen, uint8_t *out, size_t cap, size_t *outlen)
{
    uint8_t prot[5 + HCODE__KID_BYTES];
    uint8_t tbs[HCODE__COSE_MAX + 64];
    uint8_t sig[HCODE__SIG_BYTES];
    size_t protlen = protected_header(prot, kp->kid);
    size_t tbslen = sig_structure(tbs, sizeof tbs, prot, protlen, payload, plen);
    if (!tbslen)
        return hcode__err(ctx, HCODE_ELIMIT, "claims too large to sign");
    if (crypto_sign_detached(sig, NULL, tbs, tbslen, kp->sk) != 0)
        return hcode__err(ctx, HCODE_ECRYPTO, "Ed25519 signing failed");

    size_t n = 0, k;
    if (cap < protlen + plen + HCODE__SIG_BYTES + 16)
        return hcode__err(ctx, HCODE_ELIMIT, "signed code would exceed %zu bytes", cap);
    n += cbor_encode_tag(COSE_SIGN1_TAG, out + n, cap - n);
    n += cbor_encode_array_start(4, out + n, cap - n);
    n += put_bstr_head(out + n, cap - n, protlen);
    memcpy(out + n, prot, protlen);
    n += protlen;
    out[n++] = 0xa0; /* unprotected: {} */
    k = put_bstr_head(out + n, cap - n, plen);
    n += k;
    memcpy(out + n, payload, plen);
    n += plen;
    n += put_bstr_head(out + n, cap - n, HCODE__SIG_BYTES);
    memcpy(out + n, sig, HCODE__SIG_BYTES);
    n += HCODE__SIG_BYTES;
    *outlen = n;
    return HCODE_OK;
}

/* Integer value of a CBOR int item, if it fits int64. */
static bool get_int(const cbor_item_t *it, int64_t *v)
{
    if (cbor_isa_uint(it)) {
        uint64_t u = cbor_get_int(it);
        if (u > (uint64_t)INT64_MAX)
            return false;
        *v = (int64_t)u;
        return true;
    }
    if (cbor_isa_negint(it)) {
        uint64_t u = cbor_get_int(it);
        if (u > (uint64_t)INT64_MAX)
            return false;
        *v = -1 - (int64_t)u;
        return true;
    }
    return false;
}

static const uint8_t *definite_bstr(const cbor_item_t *it, size_t *len)
{
    if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
        return NULL;
    *len = cbor_bytestring_length(it);
    const uint8_t *p = cbor_bytestring_handle(it);
    return p ? p : (const uint8_t *)"";
}

/* Finds where a definite byte string's content starts inside the encoded
 * buffer: libcbor copies contents, but we want pointers into `buf` so
 * that the signature is checked over the exact received bytes. */
static const uint8_t *locate(const uint8_t *buf, size_t len, size_t *pos, size_t want)
{
    /* Walk one definite byte-string head at *pos. */
    if (*pos >= len)
        return NULL;
    uint8_t ib = buf[*pos];
    if ((ib >> 5) != 2)
        return NULL;
    unsigned ai = ib & 31;
    size_t p = *pos + 1;
    uint64_t n;
    if (ai < 24) n = ai;
    else if (ai == 24) { if (p + 1 > len) return NULL; n = buf[p]; p += 1; }
    else if (ai == 25) { if (p + 2 > len) return NULL; n = (uint64_t)buf[p] << 8 | buf[p + 1]; p += 2; }
    else if (ai == 26) {
        if (p + 4 > len) return NULL;
        n = (uint64_t)buf[p] << 24 | (uint64_t)buf[p + 1] << 16 | (uint64_t)buf[p + 2] << 8 | buf[p + 3];
        p += 4;
    } else return NULL; /* 8-byte lengths and indefinite strings are refused */
    if (n != want || n > len - p)
        return NULL;
    *pos = p + (size_t)n;
    return buf + p;
}

/* Parses the protected header: alg must be EdDSA, kid must be present. */
static int parse_protected(const uint8_t *p, size_t len, hcode__cose *c, hcode_verdict *v)
{
    struct cbor_load_result r = {0};
    size_t used;
    cbor_item_t *m = NULL;
    int rc = HCODE_V_MALFORMED;
    bool have_alg = false, have_kid = false;
    if (hcode__cbor_prefix(p, len, 16, &used) && used == len)
        m = cbor_load(p, len, &r);
    if (!m && r.error.code == CBOR_ERR_MEMERROR) {
        hcode__verdict_set(v, HCODE__V_NOMEM, "out of memory");
        goto out;
    }
    if (!m || r.error.code != CBOR_ERR_NONE || r.read != len) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header is not one CBOR item");
        goto out;
    }
    if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) > 8) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header is not a small map");
        goto out;
    }
    struct cbor_pair *kv = cbor_map_handle(m);
    size_t n = cbor_map_size(m);
    int64_t keys[8];
    for (size_t i = 0; i < n; i++) {
        int64_t k;
        if (!get_int(kv[i].key, &k)) {
            hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header key is not an integer");
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (keys[j] == k) {
                hcode__verdict_set(v, HCODE_V_MALFORMED, "duplicate key %lld in protected header",
                                   (long long)k);
                goto out;
            }
        keys[i] = k;
        if (k == COSE_HDR_ALG) {
            int64_t alg;
            if (!get_int(kv[i].value, &alg) || alg != COSE_ALG_EDDSA) {
                hcode__verdict_set(v, HCODE_V_MALFORMED, "alg is not EdDSA (-8)");
                goto out;
            }
            have_alg = true;
        } else if (k == COSE_HDR_KID) {
            size_t kl;
            const uint8_t *kid = definite_bstr(kv[i].value, &kl);
            if (!kid || kl == 0 || kl > 32) {
                hcode__verdict_set(v, HCODE_V_MALFORMED, "kid is not a byte string of 1..32 bytes");
                goto out;
            }
            c->kid_len = kl;
            memcpy(c->kid_any, kid, kl);
            have_kid = true;
        }
    }
    if (!have_alg) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header has no alg");
        goto out;
    }
    if (!have_kid) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header has no kid");
        goto out;
    }
    if (c->kid_len == HCODE__KID_BYTES)
        memcpy(c->kid, c->kid_any, HCODE__KID_BYTES);
    hcode__hex(v->issuer, c->kid_any, c->kid_len > HCODE__KID_BYTES ? HCODE__KID_BYTES : c->kid_len);
    rc = 0;
out:
    if (m)
        cbor_decref(&m);
    return rc;
}

int hcode__cose_parse(const uint8_t *buf, size_t len, hcode__cose *c, hcode_verdict *v)
{
    struct cbor_load_result r = {0};
    int rc = HCODE_V_MALFORMED;
    memset(c, 0, sizeof *c);
    cbor_item_t *root = NULL;
    /* The tag is checked by hand: libcbor 0.8 rejects the one-byte tag
     * heads 0xc6..0xd4, which include COSE_Sign1's 0xd2. */
    if (len < 2 || buf[0] != 0xd2) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "not a COSE_Sign1 (tag 18) object");
        goto out;
    }
    size_t used;
    if (!hcode__cbor_prefix(buf + 1, len - 1, 16, &used)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "not well-formed definite-length CBOR");
        goto out;
    }
    root = cbor_load(buf + 1, len - 1, &r);
    if (!root && r.error.code == CBOR_ERR_MEMERROR) {
        hcode__verdict_set(v, HCODE__V_NOMEM, "out of memory");
        goto out;
    }
    if (!root || r.error.code != CBOR_ERR_NONE) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "not CBOR");
        goto out;
    }
    if (r.read != len - 1) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "trailing bytes after the COSE object");
        goto out;
    }
    cbor_item_t *arr = root;
    if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 4) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "COSE_Sign1 is not an array of 4");
        goto out;
    }
    cbor_item_t **el = cbor_array_handle(arr);
    size_t plen, ylen, slen;
    if (!definite_bstr(el[0], &plen) || !cbor_isa_map(el[1]) || !definite_bstr(el[2], &ylen) ||
        !definite_bstr(el[3], &slen)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "COSE_Sign1 fields have wrong types");
        goto out;
    }
    if (slen != HCODE__SIG_BYTES) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "signature is %zu bytes, not 64", slen);
        goto out;
    }
    /* Pointers into the received buffer: tag head, array head, the
     * protected bstr, the unprotected map (stepped over), payload, sig. */
    size_t pos = 2;
    if (buf[1] != 0x84) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "COSE_Sign1 array head is not in preferred encoding");
        goto out;
    }
    c->protected_hdr = locate(buf, len, &pos, plen);
    if (!c->protected_hdr) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "protected header is not a definite byte string");
        goto out;
    }
    c->protected_len = plen;
    if (!hcode__cbor_prefix(buf + pos, len - pos, 16, &used)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "bad unprotected header");
        goto out;
    }
    pos += used;
    c->payload = locate(buf, len, &pos, ylen);
    c->payload_len = ylen;
    c->sig = locate(buf, len, &pos, HCODE__SIG_BYTES);
    if (!c->payload || !c->sig || pos != len) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "COSE_Sign1 byte strings are not well formed");
        goto out;
    }
    rc = parse_protected(c->protected_hdr, c->protected_len, c, v);
out:
    if (root)
        cbor_decref(&root);
    return rc;
}

const hcode__trust_key *hcode__cose_verify(const hcode_ctx *ctx, const hcode__cose *c,
                                            hcode_verdict *v)
{
    uint8_t tbs[HCODE__COSE_MAX + 64];
    size_t tbslen = 0;
    bool kid_known = false;
    if (c->kid_len == HCODE__KID_BYTES) {
        for (size_t i = 0; i < ctx->nkeys; i++) {
            const hcode__trust_key *k = &ctx->keys[i];
            if (memcmp(k->kid, c->kid, HCODE__KID_BYTES) != 0)
                continue;
            kid_known = true;
            if (!tbslen) {
                tbslen = sig_structure(tbs, sizeof tbs, c->protected_hdr, c->protected_len,
                                       c->payload, c->payload_len);
                if (!tbslen) {
                    hcode__verdict_set(v, HCODE_V_MALFORMED, "signed content too large");
                    return NULL;
                }
            }
            if (crypto_sign_verify_detached(c->sig, tbs, tbslen, k->pk) == 0)
                return k;
        }
    }
    if (!kid_known)
        hcode__verdict_set(v, HCODE_V_UNKNOWN_ISSUER, "no trusted key has kid %s", v->issuer);
    else
        hcode__verdict_set(v, HCODE_V_BAD_SIGNATURE, "signature does not verify under any trusted key with kid %s",
                           v->issuer);
    return NULL;
}

int hcode__cose_verify_pk(const hcode__cose *c, const uint8_t pk[HCODE__PK_BYTES])
{
    uint8_t stack[HCODE__COSE_MAX + 64];
    size_t cap = c->protected_len + c->payload_len + 32;
    uint8_t *tbs = stack;
    if (cap < c->payload_len)
        return HCODE_ENOMEM;
    if (cap > sizeof stack) {
        tbs = malloc(cap);
        if (!tbs)
            return HCODE_ENOMEM;
    } else {
        cap = sizeof stack;
    }
    size_t n = sig_structure(tbs, cap, c->protected_hdr, c->protected_len, c->payload, c->payload_len);
    int rc = n && crypto_sign_verify_detached(c->sig, tbs, n, pk) == 0 ? 0 : HCODE_V_BAD_SIGNATURE;
    if (tbs != stack)
        free(tbs);
    return rc;
}

int hcode__cose_sign_alloc(hcode_ctx *ctx, const hcode_keypair *kp, const uint8_t *payload,
                           size_t plen, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    size_t cap = plen + HCODE__SIG_BYTES + 64;
    if (cap < plen)
        return hcode__err(ctx, HCODE_ELIMIT, "payload too large to sign");
    uint8_t *tbs = malloc(cap), *buf = malloc(cap);
    if (!tbs || !buf) {
        free(tbs);
        free(buf);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    uint8_t prot[5 + HCODE__KID_BYTES];
    uint8_t sig[HCODE__SIG_BYTES];
    size_t protlen = protected_header(prot, kp->kid);
    size_t tbslen = sig_structure(tbs, cap, prot, protlen, payload, plen);
    int rc = HCODE_OK;
    if (!tbslen || crypto_sign_detached(sig, NULL, tbs, tbslen, kp->sk) != 0) {
        rc = hcode__err(ctx, HCODE_ECRYPTO, "Ed25519 signing failed");
        goto fail;
    }
    size_t n = 0;
    n += cbor_encode_tag(COSE_SIGN1_TAG, buf + n, cap - n);
    n += cbor_encode_array_start(4, buf + n, cap - n);
    n += put_bstr_head(buf + n, cap - n, protlen);
    memcpy(buf + n, prot, protlen);
    n += protlen;
    buf[n++] = 0xa0;
    n += put_bstr_head(buf + n, cap - n, plen);
    memcpy(buf + n, payload, plen);
    n += plen;
    n += put_bstr_head(buf + n, cap - n, HCODE__SIG_BYTES);
    memcpy(buf + n, sig, HCODE__SIG_BYTES);
    n += HCODE__SIG_BYTES;
    free(tbs);
    *out = buf;
    *outlen = n;
    return HCODE_OK;
fail:
    free(tbs);
    free(buf);
    return rc;
}
