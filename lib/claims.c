/* The CWT claims map of person and venue codes: encoding and strict decoding. */
#include "hcode-private.h"
#include "claims-private.h"
#include "cbor-read.h"

#include <cbor.h>
#include <stdio.h>
#include <string.h>

/* ---- encoding (deterministic: keys in bytewise order of their encoding) */

typedef struct enc {
    uint8_t *p;
    size_t cap, n;
    bool overflow;
} enc;

static void put(enc *e, size_t k)
{
    if (!k)
        e->overflow = true;
    e->n += k;
}
static void key(enc *e, int64_t k)
{
    if (k >= 0)
        put(e, cbor_encode_uint((uint64_t)k, e->p + e->n, e->cap - e->n));
    else
        put(e, cbor_encode_negint((uint64_t)(-1 - k), e->p + e->n, e->cap - e->n));
}
static void uint_(enc *e, uint64_t v) { put(e, cbor_encode_uint(v, e->p + e->n, e->cap - e->n)); }
static void bytes(enc *e, const uint8_t *b, size_t len)
{
    put(e, cbor_encode_bytestring_start(len, e->p + e->n, e->cap - e->n));
    if (e->overflow || e->cap - e->n < len) {
        e->overflow = true;
        return;
    }
    memcpy(e->p + e->n, b, len);
    e->n += len;
}
static void text(enc *e, const char *s)
{
    size_t len = strlen(s);
    put(e, cbor_encode_string_start(len, e->p + e->n, e->cap - e->n));
    if (e->overflow || e->cap - e->n < len) {
        e->overflow = true;
        return;
    }
    memcpy(e->p + e->n, s, len);
    e->n += len;
}

size_t hcode__claims_encode(const hcode__claims *c, uint8_t *out, size_t cap)
{
    enc e = {out, cap, 0, false};
    size_t n = 5; /* iss, exp, iat, cti, kind */
    if (c->kind == HCODE_KIND_PERSON)
        n += 2 + (c->flags != 0) + (c->name != NULL) + (c->holder_pk != NULL);
    else
        n += 2 + (c->venue_region != NULL) + (c->category != NULL);
    if (cap < 1)
        return 0;
    put(&e, cbor_encode_map_start(n, out, cap));
    key(&e, HCODE__CLAIM_ISS);
    text(&e, c->iss);
    key(&e, HCODE__CLAIM_EXP);
    uint_(&e, (uint64_t)c->exp);
    key(&e, HCODE__CLAIM_IAT);
    uint_(&e, (uint64_t)c->iat);
    key(&e, HCODE__CLAIM_CTI);
    bytes(&e, c->cti, HCODE__CTI_BYTES);
    key(&e, HCODE__CLAIM_KIND);
    uint_(&e, (uint64_t)c->kind);
    if (c->kind == HCODE_KIND_PERSON) {
        key(&e, HCODE__CLAIM_STATUS);
        uint_(&e, (uint64_t)c->status);
        key(&e, HCODE__CLAIM_SUBJECT);
        bytes(&e, c->subject, HCODE__PSEUDO_BYTES);
        if (c->flags) {
            key(&e, HCODE__CLAIM_FLAGS);
            uint_(&e, c->flags);
        }
        if (c->name) {
            key(&e, HCODE__CLAIM_NAME);
            text(&e, c->name);
        }
        if (c->holder_pk) {
            key(&e, HCODE__CLAIM_HOLDER);
            bytes(&e, c->holder_pk, HCODE__PK_BYTES);
        }
    } else {
        key(&e, HCODE__CLAIM_VENUE_ID);
        text(&e, c->venue_id);
        key(&e, HCODE__CLAIM_VENUE_NAME);
        text(&e, c->venue_name);
        if (c->venue_region) {
            key(&e, HCODE__CLAIM_VENUE_REGION);
            text(&e, c->venue_region);
        }
        if (c->category) {
            key(&e, HCODE__CLAIM_CATEGORY);
            text(&e, c->category);
        }
    }
    return e.overflow ? 0 : e.n;
}

/* ---- decoding ---------------------------------------------------------- */

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

static bool get_bytes(const cbor_item_t *it, uint8_t *out, size_t want)
{
    if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it) ||
        cbor_bytestring_length(it) != want)
        return false;
    memcpy(out, cbor_bytestring_handle(it), want);
    return true;
}

static bool get_text(const cbor_item_t *it, char *out, size_t max)
{
    if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
        return false;
    size_t len = cbor_string_length(it);
    if (len == 0 || len > max)
        return false;
    memcpy(out, cbor_string_handle(it), len);
    out[len] = '\0';
    if (memchr(out, '\0', len) || !hcode__text_ok(out, max))
        return false;
    return true;
}

#define MAX_CLAIMS 32

int hcode__claims_decode(const uint8_t *buf, size_t len, hcode_verdict *v)
{
    struct cbor_load_result r = {0};
    size_t used;
    cbor_item_t *m = NULL;
    int rc = HCODE_V_MALFORMED;
    unsigned seen = 0;
    enum { S_ISS = 1, S_EXP = 2, S_IAT = 4, S_CTI = 8, S_KIND = 16, S_STATUS = 32,
           S_SUBJECT = 64, S_VID = 128, S_VNAME = 256 };
    int64_t kind = 0;
    v->status = -1;

    if (hcode__cbor_prefix(buf, len, 16, &used) && used == len)
        m = cbor_load(buf, len, &r);
    if (!m && r.error.code == CBOR_ERR_MEMERROR) {
        hcode__verdict_set(v, HCODE__V_NOMEM, "out of memory");
        goto out;
    }
    if (!m || r.error.code != CBOR_ERR_NONE || r.read != len) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "claims are not one CBOR item");
        goto out;
    }
    if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) > MAX_CLAIMS) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "claims are not a map of at most %d entries",
                           MAX_CLAIMS);
        goto out;
    }
    size_t n = cbor_map_size(m);
    struct cbor_pair *kv = cbor_map_handle(m);
    int64_t keys[MAX_CLAIMS];
    for (size_t i = 0; i < n; i++) {
        int64_t k, iv;
        const cbor_item_t *val = kv[i].value;
        if (!get_int(kv[i].key, &k)) {
            hcode__verdict_set(v, HCODE_V_MALFORMED, "claim key is not an integer");
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (keys[j] == k) {
                hcode__verdict_set(v, HCODE_V_MALFORMED, "duplicate claim %lld", (long long)k);
                goto out;
            }
        keys[i] = k;
        bool ok = true;
        switch (k) {
        case HCODE__CLAIM_ISS:
            ok = get_text(val, v->region, HCODE_REGION_MAX) && hcode__region_ok(v->region);
            seen |= S_ISS;
            break;
        case HCODE__CLAIM_EXP:
            ok = get_int(val, &v->exp) && v->exp >= 0;
            seen |= S_EXP;
            break;
        case HCODE__CLAIM_IAT:
            ok = get_int(val, &v->iat) && v->iat >= 0;
            seen |= S_IAT;
            break;
        case HCODE__CLAIM_CTI:
            ok = get_bytes(val, v->cti, HCODE__CTI_BYTES);
            if (ok)
                hcode__hex(v->code_id, v->cti, HCODE__CTI_BYTES);
            seen |= S_CTI;
            break;
        case HCODE__CLAIM_KIND:
            ok = get_int(val, &kind) && (kind == HCODE_KIND_PERSON || kind == HCODE_KIND_VENUE);
            seen |= S_KIND;
            break;
        case HCODE__CLAIM_STATUS:
            ok = get_int(val, &iv) && iv >= HCODE_GREEN && iv <= HCODE_RED;
            if (ok)
                v->status = (int)iv;
            seen |= S_STATUS;
            break;
        case HCODE__CLAIM_SUBJECT: {
            uint8_t s[HCODE__PSEUDO_BYTES];
            ok = get_bytes(val, s, sizeof s);
            if (ok)
                hcode__hex(v->subject, s, sizeof s);
            seen |= S_SUBJECT;
            break;
        }
        case HCODE__CLAIM_FLAGS:
            ok = get_int(val, &iv) && iv >= 0 && iv <= 0xffffffff;
            if (ok)
                v->flags = (uint32_t)iv;
            break;
        case HCODE__CLAIM_NAME:
            ok = get_text(val, v->name, HCODE_TEXT_MAX);
            break;
        case HCODE__CLAIM_HOLDER:
            ok = get_bytes(val, v->holder_pk, HCODE__PK_BYTES);
            v->has_holder = ok;
            break;
        case HCODE__CLAIM_VENUE_ID:
            ok = get_text(val, v->venue_id, HCODE_TEXT_MAX);
            seen |= S_VID;
            break;
        case HCODE__CLAIM_VENUE_NAME:
            ok = get_text(val, v->venue_name, HCODE_TEXT_MAX);
            seen |= S_VNAME;
            break;
        case HCODE__CLAIM_VENUE_REGION:
            ok = get_text(val, v->venue_region, HCODE_REGION_MAX) && hcode__region_ok(v->venue_region);
            break;
        case HCODE__CLAIM_CATEGORY:
            ok = get_text(val, v->category, HCODE_TEXT_MAX);
            break;
        default:
            break; /* unknown claims are ignored (forward compatibility) */
        }
        if (!ok) {
            hcode__verdict_set(v, HCODE_V_MALFORMED, "claim %lld has a bad value", (long long)k);
            goto out;
        }
    }
    unsigned need = S_ISS | S_EXP | S_IAT | S_CTI | S_KIND;
    if ((seen & need) != need) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "a required claim (iss, iat, exp, cti, kind) is missing");
        goto out;
    }
    if (kind == HCODE_KIND_PERSON && (seen & (S_STATUS | S_SUBJECT)) != (S_STATUS | S_SUBJECT)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "person code without status or subject");
        goto out;
    }
    if (kind == HCODE_KIND_VENUE && (seen & (S_VID | S_VNAME)) != (S_VID | S_VNAME)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "venue code without venue id or name");
        goto out;
    }
    if (kind == HCODE_KIND_VENUE && !v->venue_region[0])
        memcpy(v->venue_region, v->region, sizeof v->region);
    if (v->exp < v->iat) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "exp is before iat");
        goto out;
    }
    v->kind = (int)kind;
    rc = 0;
out:
    if (m)
        cbor_decref(&m);
    return rc;
}
