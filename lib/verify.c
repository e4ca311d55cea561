/* Offline verification of payload text: envelope, signature, claims, times. */
#include "hcode-private.h"
#include "trustx-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hcode_verdict_name(int code)
{
    switch (code) {
    case HCODE_V_VALID: return "valid";
    case HCODE_V_MALFORMED: return "malformed";
    case HCODE_V_BAD_SIGNATURE: return "bad_signature";
    case HCODE_V_UNKNOWN_ISSUER: return "unknown_issuer";
    case HCODE_V_EXPIRED: return "expired";
    case HCODE_V_NOT_YET_VALID: return "not_yet_valid";
    case HCODE_V_STALE: return "stale";
    case HCODE_V_REVOKED: return "revoked";
    case HCODE_V_HOLDER_BINDING_REQUIRED: return "holder_binding_required";
    case HCODE_V_REPLAYED: return "replayed";
    case HCODE_V_KEY_NOT_PERMITTED: return "key_not_permitted";
    case HCODE_V_HOLDER_MISMATCH: return "holder_mismatch";
    default: return "unknown";
    }
}

void hcode__verdict_set(hcode_verdict *v, int code, const char *fmt, ...)
{
    va_list ap;
    v->code = code;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
}

int hcode__payload_unwrap(const char *text, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                          int *kind, hcode_verdict *v)
{
    if (len == 0) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "empty payload");
        return HCODE_V_MALFORMED;
    }
    if (len > HCODE_PAYLOAD_MAX) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "payload longer than %d characters", HCODE_PAYLOAD_MAX);
        return HCODE_V_MALFORMED;
    }
    if (len < HCODE__PREFIX_LEN) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "payload too short");
        return HCODE_V_MALFORMED;
    }
    if (memcmp(text, HCODE__PREFIX_PERSON, HCODE__PREFIX_LEN) == 0)
        *kind = HCODE_KIND_PERSON;
    else if (memcmp(text, HCODE__PREFIX_VENUE, HCODE__PREFIX_LEN) == 0)
        *kind = HCODE_KIND_VENUE;
    else if (memcmp(text, HCODE__PREFIX_PRESENTATION, HCODE__PREFIX_LEN) == 0)
        *kind = HCODE_KIND_PRESENTATION;
    else {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "unknown payload prefix (expected HCP1:, HCV1: or HCD1:)");
        return HCODE_V_MALFORMED;
    }
    size_t blen = len - HCODE__PREFIX_LEN;
    if ((blen + 2) / 3 * 2 > cap) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "payload too long");
        return HCODE_V_MALFORMED;
    }
    size_t n = hcode__base45_decode(out, text + HCODE__PREFIX_LEN, blen);
    if (n == (size_t)-1) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "payload is not valid Base45");
        return HCODE_V_MALFORMED;
    }
    *outlen = n;
    return 0;
}

/* Checks a code whose COSE bytes are in buf, after the envelope has been
 * unwrapped. `expect` is the kind named by the prefix. */
int hcode__verify_cose(const hcode_ctx *ctx, const uint8_t *buf, size_t len, int expect,
                       int64_t at, hcode_verdict *v)
{
    hcode__cose c;
    if (hcode__cose_parse(buf, len, &c, v))
        return v->code;
    return hcode__verify_parsed(ctx, &c, expect, at, v);
}

int hcode__verify_parsed(const hcode_ctx *ctx, const hcode__cose *cp, int expect, int64_t at,
                         hcode_verdict *v)
{
    const hcode__cose c = *cp;
    const hcode__trust_key *key = hcode__cose_verify(ctx, &c, v);
    if (!key)
        return v->code;
    if (hcode__claims_decode(c.payload, c.payload_len, v))
        return v->code;
    if (v->kind != expect) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "payload prefix says %s but the claims say %s",
                           hcode_kind_name(expect), hcode_kind_name(v->kind));
        return v->code;
    }
    if (v->has_holder && (v->flags & HCODE_FLAG_PRINTED)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "a printed code must not carry a holder key");
        return v->code;
    }
    unsigned need = v->kind == HCODE_KIND_PERSON ? HCODE_USAGE_PERSON : HCODE_USAGE_VENUE;
    if (!(key->usage & need)) {
        hcode__verdict_set(v, HCODE_V_KEY_NOT_PERMITTED, "key %s may not sign %s codes", v->issuer,
                           hcode_kind_name(v->kind));
        return v->code;
    }
    if (strcmp(key->region, v->region) != 0) {
        hcode__verdict_set(v, HCODE_V_KEY_NOT_PERMITTED, "code claims region %s but key %s is trusted for %s",
                           v->region, v->issuer, key->region);
        return v->code;
    }
    if (v->iat < key->not_before || v->iat > key->not_after) {
        hcode__verdict_set(v, HCODE_V_KEY_NOT_PERMITTED,
                           "code issued at %lld, outside key %s's validity", (long long)v->iat, v->issuer);
        return v->code;
    }
    if (hcode__is_revoked(ctx, key->pk, v->cti)) {
        hcode__verdict_set(v, HCODE_V_REVOKED, "code %s is on a revocation list of its issuer", v->code_id);
        return v->code;
    }
    if (v->iat > at + ctx->skew) {
        hcode__verdict_set(v, HCODE_V_NOT_YET_VALID, "issued at %lld, %lld s in the future",
                           (long long)v->iat, (long long)(v->iat - at));
        return v->code;
    }
    if (at > v->exp + ctx->skew) {
        hcode__verdict_set(v, HCODE_V_EXPIRED, "expired at %lld, %lld s ago", (long long)v->exp,
                           (long long)(at - v->exp));
        return v->code;
    }
    v->code = HCODE_V_VALID;
    v->message[0] = '\0';
    return HCODE_V_VALID;
}

int hcode__verify_into(hcode_ctx *ctx, const char *payload, size_t len, int64_t at, hcode_verdict *v)
{
    uint8_t buf[HCODE__COSE_MAX];
    size_t n;
    int kind;
    memset(v, 0, sizeof *v);
    v->status = -1;
    if (hcode__payload_unwrap(payload, len, buf, sizeof buf, &n, &kind, v))
        return v->code;
    at = hcode__resolve_at(at);
    v->checked_at = at;
    if (kind == HCODE_KIND_PRESENTATION)
        return hcode__present_verify(ctx, buf, n, at, v);
    int rc = hcode__verify_cose(ctx, buf, n, kind, at, v);
    if (rc == HCODE_V_VALID && kind == HCODE_KIND_PERSON && v->has_holder && ctx->ts &&
        ctx->ts->require_presentation)
        hcode__verdict_set(v, HCODE_V_HOLDER_BINDING_REQUIRED,
                           "this code is bound to a phone: show its live presentation, not the code");
    return v->code;
}

int hcode_verify(hcode_ctx *ctx, const char *payload, size_t len, int64_t at, hcode_verdict **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ctx || (!payload && len))
        return HCODE_EINVAL;
    hcode_verdict *v = malloc(sizeof *v);
    if (!v)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    if (hcode__verify_into(ctx, payload ? payload : "", len, at, v) == HCODE__V_NOMEM) {
        free(v);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory while decoding");
    }
    *out = v;
    return HCODE_OK;
}

void hcode_verdict_free(hcode_verdict *v) { free(v); }

int hcode_verdict_valid(const hcode_verdict *v) { return v && v->code == HCODE_V_VALID; }
int hcode_verdict_code(const hcode_verdict *v) { return v ? v->code : HCODE_V_MALFORMED; }
const char *hcode_verdict_error(const hcode_verdict *v)
{
    return !v ? "malformed" : v->code == HCODE_V_VALID ? NULL : hcode_verdict_name(v->code);
}
const char *hcode_verdict_message(const hcode_verdict *v) { return v ? v->message : ""; }
int hcode_verdict_kind(const hcode_verdict *v) { return v ? v->kind : 0; }
const char *hcode_verdict_issuer(const hcode_verdict *v) { return v ? v->issuer : ""; }
const char *hcode_verdict_region(const hcode_verdict *v) { return v ? v->region : ""; }
int64_t hcode_verdict_iat(const hcode_verdict *v) { return v ? v->iat : 0; }
int64_t hcode_verdict_exp(const hcode_verdict *v) { return v ? v->exp : 0; }
const char *hcode_verdict_code_id(const hcode_verdict *v) { return v ? v->code_id : ""; }
int hcode_verdict_status(const hcode_verdict *v) { return v ? v->status : -1; }
const char *hcode_verdict_subject(const hcode_verdict *v) { return v ? v->subject : ""; }
uint32_t hcode_verdict_flags(const hcode_verdict *v) { return v ? v->flags : 0; }
const char *hcode_verdict_name_text(const hcode_verdict *v) { return v ? v->name : ""; }
int hcode_verdict_has_holder(const hcode_verdict *v) { return v && v->has_holder; }
const char *hcode_verdict_venue_id(const hcode_verdict *v) { return v ? v->venue_id : ""; }
const char *hcode_verdict_venue_name(const hcode_verdict *v) { return v ? v->venue_name : ""; }
const char *hcode_verdict_venue_region(const hcode_verdict *v) { return v ? v->venue_region : ""; }
const char *hcode_verdict_category(const hcode_verdict *v) { return v ? v->category : ""; }
