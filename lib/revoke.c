/* Issuer-signed revocation lists of code ids, and their lookup
 * (sorted arrays of 8-byte ids, binary search; docs/TRUST.md). */
#include "trustx-private.h"
#include "cbor-read.h"

#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID HCODE__CTI_BYTES

size_t hcode_code_id_bytes(void) { return ID; }

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, ID); }

bool hcode__id_search(const uint8_t *ids, size_t n, const uint8_t id[8])
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(ids + mid * ID, id, ID);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool hcode__is_revoked(const hcode_ctx *ctx, const uint8_t pk[HCODE__PK_BYTES], const uint8_t cti[HCODE__CTI_BYTES])
{
    const struct hcode__tstate *ts = ctx->ts;
    if (!ts)
        return false;
    for (size_t i = 0; i < ts->nrev; i++)
        if (memcmp(ts->rev[i].pk, pk, HCODE__PK_BYTES) == 0) {
            const hcode__revset *s = &ts->rev[i];
            if (s->bucket) {
                unsigned b = (unsigned)cti[0] << 8 | cti[1];
                size_t lo = s->bucket[b];
                if (hcode__id_search(s->ids + lo * ID, s->bucket[b + 1] - lo, cti))
                    return true;
            } else if (hcode__id_search(s->ids, s->n, cti)) {
                return true;
            }
        }
    return false;
}

size_t hcode_revocation_count(const hcode_ctx *ctx) { return ctx && ctx->ts ? ctx->ts->rev_total : 0; }

size_t hcode_revocation_memory(const hcode_ctx *ctx)
{
    if (!ctx || !ctx->ts)
        return 0;
    size_t b = ctx->ts->caprev * sizeof(hcode__revset) + ctx->ts->rev_total * ID;
    for (size_t i = 0; i < ctx->ts->nrev; i++)
        if (ctx->ts->rev[i].bucket)
            b += 65537 * sizeof(uint32_t);
    return b;
}

int hcode_code_id(hcode_ctx *ctx, const hcode_keypair *issuer, const char *payload, size_t len, uint8_t *id)
{
    if (!ctx || !issuer || !payload || !id)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    uint8_t buf[HCODE__COSE_MAX];
    size_t n;
    int kind;
    hcode_verdict *v = calloc(1, sizeof *v);
    if (!v)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    int rc = HCODE_EINVAL;
    hcode__cose c;
    if (hcode__payload_unwrap(payload, len, buf, sizeof buf, &n, &kind, v) ||
        kind == HCODE_KIND_PRESENTATION) {
        hcode__err(ctx, rc, "not a person or venue code%s%s", v->message[0] ? ": " : "", v->message);
        goto out;
    }
    if (n < 2 || !hcode__cbor_wellformed(buf + 1, n - 1, 8) || hcode__cose_parse(buf, n, &c, v) ||
        hcode__claims_decode(c.payload, c.payload_len, v)) {
        if (v->code == HCODE__V_NOMEM)
            rc = HCODE_ENOMEM;
        hcode__err(ctx, rc, "malformed code: %s", v->message);
        goto out;
    }
    if (hcode__cose_verify_pk(&c, issuer->pk) != 0) {
        hcode__err(ctx, rc, "code %s was not signed by key %s", v->code_id, issuer->kid_hex);
        goto out;
    }
    memcpy(id, v->cti, ID);
    rc = HCODE_OK;
out:
    free(v);
    return rc;
}

int hcode_revocation_sign(hcode_ctx *ctx, const hcode_keypair *issuer, const uint8_t *ids, size_t n,
                          int64_t at, char **out)
{
    if (!ctx || !out)
        return HCODE_EINVAL;
    *out = NULL;
    hcode__clear_err(ctx);
    if (!issuer || (!ids && n))
        return hcode__err(ctx, HCODE_EINVAL, "no issuer key or ids");
    if (n > HCODE_REVOCATION_MAX_IDS)
        return hcode__err(ctx, HCODE_ELIMIT, "at most %u ids per revocation list", HCODE_REVOCATION_MAX_IDS);
    at = hcode__resolve_at(at);
    if (at < 0 || at > INT64_C(253402300799))
        return hcode__err(ctx, HCODE_EINVAL, "issue time out of range");
    uint8_t *sorted = malloc(n ? n * ID : 1);
    size_t cap = 64 + HCODE_REGION_MAX + n * ID;
    uint8_t *buf = malloc(cap);
    int rc;
    if (!sorted || !buf) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    if (n)
        memcpy(sorted, ids, n * ID);
    qsort(sorted, n, ID, cmp_id);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || memcmp(sorted + (m - 1) * ID, sorted + i * ID, ID) != 0)
            memmove(sorted + m++ * ID, sorted + i * ID, ID);
    /* {1: iss, 6: iat, -1: 17, -21: h'ids'} */
    size_t k = 0, len = strlen(issuer->region);
    k += cbor_encode_map_start(4, buf + k, cap - k);
    k += cbor_encode_uint(1, buf + k, cap - k);
    k += cbor_encode_string_start(len, buf + k, cap - k);
    memcpy(buf + k, issuer->region, len);
    k += len;
    k += cbor_encode_uint(6, buf + k, cap - k);
    k += cbor_encode_uint((uint64_t)at, buf + k, cap - k);
    k += cbor_encode_negint(0, buf + k, cap - k);
    k += cbor_encode_uint(HCODE__KIND_REVOCATION_LIST, buf + k, cap - k);
    k += cbor_encode_negint(20, buf + k, cap - k);
    k += cbor_encode_bytestring_start(m * ID, buf + k, cap - k);
    if (m)
        memcpy(buf + k, sorted, m * ID);
    k += m * ID;
    uint8_t *cose;
    size_t coselen;
    rc = hcode__cose_sign_alloc(ctx, issuer, buf, k, &cose, &coselen);
    if (!rc) {
        rc = hcode__list_wrap(ctx, "HCRL", cose, coselen, out);
        free(cose);
    }
out:
    free(sorted);
    free(buf);
    return rc;
}

static int bad(hcode_ctx *ctx, const char *what)
{
    return hcode__err(ctx, HCODE_ETRUST, "revocation list refused: %s", what);
}

int hcode_revocation_load(hcode_ctx *ctx, const char *data, size_t len, int64_t at)
{
    if (!ctx || (!data && len))
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (len > HCODE_REVOCATION_FILE_MAX)
        return hcode__err(ctx, HCODE_ELIMIT, "revocation list larger than %u bytes", HCODE_REVOCATION_FILE_MAX);
    at = hcode__resolve_at(at);
    struct hcode__tstate *ts = hcode__ts(ctx);
    if (!ts)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    uint8_t *cose = NULL, *ids = NULL;
    size_t coselen;
    hcode_verdict *v = NULL;
    int rc = hcode__list_unwrap(ctx, "HCRL", data ? data : "", len, &cose, &coselen);
    if (rc == HCODE_ENOMEM)
        goto out;
    if (rc) {
        char m[200];
        snprintf(m, sizeof m, "%s", hcode_errmsg(ctx));
        rc = bad(ctx, m);
        goto out;
    }
    v = calloc(1, sizeof *v);
    if (!v) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    hcode__cose c;
    if (coselen < 2 || !hcode__cbor_wellformed(cose + 1, coselen - 1, 8) || hcode__cose_parse(cose, coselen, &c, v)) {
        if (v->code == HCODE__V_NOMEM) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        rc = bad(ctx, "not a well-formed COSE_Sign1 object");
        goto out;
    }
    /* content first (cheap), signature below */
    hcode__cr r = {c.payload, c.payload_len, 0};
    size_t n, rl = 0, idlen = 0;
    int64_t iat = -1, kind = 0;
    const char *region = NULL;
    const uint8_t *idp = NULL;
    unsigned seen = 0;
    if (!hcode__cr_map(&r, &n) || n != 4) {
        rc = bad(ctx, "content is not a map of 4 entries");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t key;
        bool ok;
        if (!hcode__cr_int(&r, &key)) {
            rc = bad(ctx, "content key is not an integer");
            goto out;
        }
        unsigned bit = key == 1 ? 1 : key == 6 ? 2 : key == -1 ? 4 : key == -21 ? 8 : 0;
        if (!bit || (seen & bit)) {
            rc = bad(ctx, "unknown or duplicate content key");
            goto out;
        }
        seen |= bit;
        if (key == 1)
            ok = hcode__cr_text(&r, &region, &rl) && rl > 0 && rl <= HCODE_REGION_MAX;
        else if (key == 6)
            ok = hcode__cr_int(&r, &iat) && iat >= 0;
        else if (key == -1)
            ok = hcode__cr_int(&r, &kind) && kind == HCODE__KIND_REVOCATION_LIST;
        else
            ok = hcode__cr_bytes(&r, &idp, &idlen) && idlen % ID == 0;
        if (!ok) {
            rc = bad(ctx, key == -1 ? "not a revocation list" : "a content field has a bad value");
            goto out;
        }
    }
    if (r.pos != r.len) {
        rc = bad(ctx, "trailing bytes in the content");
        goto out;
    }
    size_t count = idlen / ID;
    if (count > HCODE_REVOCATION_MAX_IDS || ts->rev_total + count > HCODE_REVOCATION_MAX_TOTAL) {
        rc = hcode__err(ctx, HCODE_ELIMIT, "revocation list refused: more than %u ids", HCODE_REVOCATION_MAX_IDS);
        goto out;
    }
    for (size_t i = 1; i < count; i++)
        if (memcmp(idp + (i - 1) * ID, idp + i * ID, ID) >= 0) {
            rc = bad(ctx, "ids are not in strictly ascending order");
            goto out;
        }
    /* signed by a trusted issuer key (every key with the kid is tried) of
     * the list's region */
    const hcode__trust_key *key = NULL;
    bool kid_known = false;
    for (size_t i = 0; i < ctx->nkeys && !key && c.kid_len == HCODE__KID_BYTES; i++) {
        const hcode__trust_key *k = &ctx->keys[i];
        if (memcmp(k->kid, c.kid, HCODE__KID_BYTES) != 0)
            continue;
        kid_known = true;
        int vr = hcode__cose_verify_pk(&c, k->pk);
        if (vr == HCODE_ENOMEM) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        if (vr == 0 && strlen(k->region) == rl && memcmp(k->region, region, rl) == 0)
            key = k;
    }
    if (!key) {
        rc = bad(ctx, kid_known ? "signature does not verify under a trusted issuer key of its region"
                                : "not signed by a trusted issuer key");
        goto out;
    }
    if (iat > at + ctx->skew) {
        rc = hcode__err(ctx, HCODE_ETRUST,
                        "revocation list refused: issued at %lld, %lld s after the verifier's time "
                        "(clock behind?)", (long long)iat, (long long)(iat - at));
        goto out;
    }
    if (ts->nrev == ts->caprev) {
        size_t nc = ts->caprev ? 2 * ts->caprev : 4;
        hcode__revset *nr = realloc(ts->rev, nc * sizeof *nr);
        if (!nr) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        ts->rev = nr;
        ts->caprev = nc;
    }
    ids = malloc(count ? count * ID : 1);
    if (!ids) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    if (count)
        memcpy(ids, idp, count * ID);
    uint32_t *bucket = NULL;
    if (count >= HCODE__REV_BUCKET_MIN) {
        bucket = malloc(65537 * sizeof *bucket);
        if (!bucket) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        size_t j = 0;
        for (unsigned b = 0; b <= 65536; b++) {
            while (j < count && ((unsigned)ids[j * ID] << 8 | ids[j * ID + 1]) < b)
                j++;
            bucket[b] = (uint32_t)j;
        }
    }
    hcode__revset *s = &ts->rev[ts->nrev++];
    s->bucket = bucket;
    memcpy(s->pk, key->pk, HCODE__PK_BYTES);
    s->ids = ids;
    s->n = count;
    ts->rev_total += count;
    ids = NULL;
    rc = HCODE_OK;
out:
    free(ids);
    free(v);
    free(cose);
    return rc;
}

int hcode_revocation_load_file(hcode_ctx *ctx, const char *path, int64_t at)
{
    if (!ctx || !path)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    char *buf;
    size_t len;
    int rc = hcode__read_file_fit(ctx, path, HCODE_REVOCATION_FILE_MAX, &buf, &len);
    if (rc)
        return rc;
    rc = hcode_revocation_load(ctx, buf, len, at);
    if (rc) {
        char m[256];
        snprintf(m, sizeof m, "%s: %s", path, hcode_errmsg(ctx));
        hcode__err(ctx, rc, "%s", m);
    }
    free(buf);
    return rc;
}
