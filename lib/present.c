/* Dynamic presentations: a holder-bound person code plus the holder's
 * signature over it and the time; freshness, replay cache, gate policy
 * (docs/TRUST.md). */
#include "trustx-private.h"
#include "cbor-read.h"

#include <cbor.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ---- context state ----------------------------------------------------- */

struct hcode__tstate *hcode__ts(hcode_ctx *ctx)
{
    if (!ctx->ts) {
        ctx->ts = calloc(1, sizeof *ctx->ts);
        if (ctx->ts)
            ctx->ts->freshness = HCODE_DEFAULT_FRESHNESS;
    }
    return ctx->ts;
}

void hcode__tstate_free(struct hcode__tstate *ts)
{
    if (!ts)
        return;
    for (size_t i = 0; i < ts->nrev; i++) {
        free(ts->rev[i].ids);
        free(ts->rev[i].bucket);
    }
    free(ts->rev);
    free(ts->replay);
    free(ts);
}

int64_t hcode__freshness(const hcode_ctx *ctx)
{
    return ctx->ts ? ctx->ts->freshness : HCODE_DEFAULT_FRESHNESS;
}

int hcode_ctx_set_freshness(hcode_ctx *ctx, int64_t seconds)
{
    if (!ctx)
        return HCODE_EINVAL;
    if (seconds < 1 || seconds > 86400)
        return hcode__err(ctx, HCODE_EINVAL, "freshness window must be between 1 s and 1 day");
    struct hcode__tstate *ts = hcode__ts(ctx);
    if (!ts)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    ts->freshness = seconds;
    return HCODE_OK;
}

int64_t hcode_ctx_freshness(const hcode_ctx *ctx) { return ctx ? hcode__freshness(ctx) : -1; }

int hcode_ctx_require_presentation(hcode_ctx *ctx, int on)
{
    if (!ctx)
        return HCODE_EINVAL;
    struct hcode__tstate *ts = hcode__ts(ctx);
    if (!ts)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    ts->require_presentation = on != 0;
    return HCODE_OK;
}

int64_t hcode_verdict_presented_at(const hcode_verdict *v)
{
    return v && v->kind == HCODE_KIND_PRESENTATION ? v->presented_at : 0;
}

int hcode_verdict_printed(const hcode_verdict *v) { return v && (v->flags & HCODE_FLAG_PRINTED) ? 1 : 0; }

/* ---- replay cache ------------------------------------------------------ */

static const hcode__replay_ent *replay_find(const struct hcode__tstate *ts, const uint8_t id[16], int64_t at)
{
    if (!ts || !ts->replay)
        return NULL;
    for (size_t i = 0; i < ts->nreplay; i++)
        if (ts->replay[i].until >= at && memcmp(ts->replay[i].id, id, 16) == 0)
            return &ts->replay[i];
    return NULL;
}

int hcode_presentation_consume(hcode_ctx *ctx, const hcode_verdict *v)
{
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (!v || v->code != HCODE_V_VALID || v->kind != HCODE_KIND_PRESENTATION || !v->has_pres_id)
        return hcode__err(ctx, HCODE_EINVAL, "not a valid presentation verdict");
    struct hcode__tstate *ts = hcode__ts(ctx);
    if (!ts)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    if (!ts->replay) {
        ts->replay = calloc(HCODE_REPLAY_MAX, sizeof *ts->replay);
        if (!ts->replay)
            return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    if (replay_find(ts, v->pres_id, v->checked_at))
        return hcode__err(ctx, HCODE_EEXIST, "presentation already admitted (replayed)");
    /* drop entries that can no longer pass their window */
    size_t m = 0;
    for (size_t i = 0; i < ts->nreplay; i++)
        if (ts->replay[i].until >= v->checked_at)
            ts->replay[m++] = ts->replay[i];
    ts->nreplay = m;
    if (ts->nreplay == HCODE_REPLAY_MAX) {
        size_t oldest = 0;
        for (size_t i = 1; i < ts->nreplay; i++)
            if (ts->replay[i].until < ts->replay[oldest].until)
                oldest = i;
        ts->replay[oldest] = ts->replay[--ts->nreplay];
    }
    hcode__replay_ent *e = &ts->replay[ts->nreplay++];
    memcpy(e->id, v->pres_id, 16);
    e->until = v->pres_until;
    ts->replay_gen++;
    return HCODE_OK;
}

/* ---- making a presentation -------------------------------------------- */

/* Presentation content: {6: t, -1: 3, -11: h'credential COSE bytes'},
 * keys in deterministic order 0x06, 0x20, 0x2a. */
static size_t content(uint8_t *out, size_t cap, int64_t t, const uint8_t *cred, size_t clen)
{
    size_t n = 0;
    if (cap < clen + 16)
        return 0;
    out[n++] = 0xa3;
    out[n++] = 0x06;
    n += cbor_encode_uint((uint64_t)t, out + n, cap - n);
    out[n++] = 0x20;
    out[n++] = HCODE_KIND_PRESENTATION;
    out[n++] = 0x2a;
    n += cbor_encode_bytestring_start(clen, out + n, cap - n);
    memcpy(out + n, cred, clen);
    return n + clen;
}

int hcode_present(hcode_ctx *ctx, const hcode_keypair *holder, const char *credential, size_t len, int64_t at,
                  char **out)
{
    if (!ctx || !out)
        return HCODE_EINVAL;
    *out = NULL;
    hcode__clear_err(ctx);
    if (!holder || !credential)
        return hcode__err(ctx, HCODE_EINVAL, "no holder key or credential");
    at = hcode__resolve_at(at);
    if (at < 0 || at > INT64_C(253402300799))
        return hcode__err(ctx, HCODE_EINVAL, "time out of range");
    uint8_t cred[HCODE__COSE_MAX];
    size_t clen;
    int kind;
    hcode_verdict *v = calloc(1, sizeof *v);
    if (!v)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    int rc = HCODE_EINVAL;
    hcode__cose c;
    if (hcode__payload_unwrap(credential, len, cred, sizeof cred, &clen, &kind, v) || kind != HCODE_KIND_PERSON) {
        hcode__err(ctx, rc, "the credential is not a person code (HCP1:)%s%s", v->message[0] ? ": " : "",
                   v->message);
        goto out;
    }
    if (clen < 2 || !hcode__cbor_wellformed(cred + 1, clen - 1, 8) || hcode__cose_parse(cred, clen, &c, v) ||
        hcode__claims_decode(c.payload, c.payload_len, v)) {
        if (v->code == HCODE__V_NOMEM)
            rc = HCODE_ENOMEM;
        hcode__err(ctx, rc, "malformed credential: %s", v->message);
        goto out;
    }
    if (!v->has_holder) {
        hcode__err(ctx, rc, "the credential is not bound to a holder key (issue it with --holder)");
        goto out;
    }
    if (sodium_memcmp(v->holder_pk, holder->pk, HCODE__PK_BYTES) != 0) {
        hcode__err(ctx, rc, "the credential is bound to another holder key");
        goto out;
    }
    uint8_t body[HCODE__COSE_MAX + 32], cose[HCODE__COSE_MAX];
    size_t blen = content(body, sizeof body, at, cred, clen), coselen;
    /* the text must stay within HCODE_PAYLOAD_MAX */
    size_t maxcose = (HCODE_PAYLOAD_MAX - HCODE__PREFIX_LEN) / 3 * 2;
    if (blen && (rc = hcode__cose_sign(ctx, holder, body, blen, cose, sizeof cose, &coselen)) != 0 &&
        rc != HCODE_ELIMIT)
        goto out; /* the signer's own error (out of memory, crypto) */
    if (!blen || rc || coselen > maxcose) {
        rc = hcode__err(ctx, HCODE_ELIMIT, "presentation would exceed %d characters", HCODE_PAYLOAD_MAX);
        goto out;
    }
    size_t tlen = HCODE__PREFIX_LEN + hcode__base45_encoded_len(coselen);
    char *s = malloc(tlen + 1);
    if (!s) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(s, HCODE__PREFIX_PRESENTATION, HCODE__PREFIX_LEN);
    hcode__base45_encode(s + HCODE__PREFIX_LEN, cose, coselen);
    s[tlen] = '\0';
    *out = s;
    rc = HCODE_OK;
out:
    free(v);
    return rc;
}

/* ---- verifying --------------------------------------------------------- */

/* The presentation envelope in the one form hcode_present() writes:
 * d2 84 <bstr protected {1: -8, 4: kid}> a0 <bstr payload> <bstr 64 sig>.
 * Parsed without allocation; anything else is malformed. */
static bool parse_envelope(const uint8_t *buf, size_t len, hcode__cose *c)
{
    memset(c, 0, sizeof *c);
    if (len < 2 || buf[0] != 0xd2 || buf[1] != 0x84)
        return false;
    hcode__cr r = {buf, len, 2};
    const uint8_t *sig;
    size_t siglen;
    if (!hcode__cr_bytes(&r, &c->protected_hdr, &c->protected_len) || r.pos >= len || buf[r.pos++] != 0xa0 ||
        !hcode__cr_bytes(&r, &c->payload, &c->payload_len) || !hcode__cr_bytes(&r, &sig, &siglen) ||
        siglen != HCODE__SIG_BYTES || r.pos != len)
        return false;
    c->sig = sig;
    hcode__cr h = {c->protected_hdr, c->protected_len, 0};
    size_t n;
    int64_t k, alg = 0;
    const uint8_t *kid = NULL;
    if (!hcode__cr_map(&h, &n) || n != 2 || !hcode__cr_int(&h, &k) || k != 1 || !hcode__cr_int(&h, &alg) ||
        alg != -8 || !hcode__cr_int(&h, &k) || k != 4 || !hcode__cr_bytes(&h, &kid, &c->kid_len) ||
        c->kid_len != HCODE__KID_BYTES || h.pos != h.len)
        return false;
    memcpy(c->kid, kid, HCODE__KID_BYTES);
    memcpy(c->kid_any, kid, HCODE__KID_BYTES);
    return true;
}

int hcode__present_verify(const hcode_ctx *ctx, const uint8_t *buf, size_t len, int64_t at, hcode_verdict *v)
{
    hcode__cose c;
    v->kind = HCODE_KIND_PRESENTATION;
    if (!parse_envelope(buf, len, &c)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED,
                           "presentation is not a COSE_Sign1 with protected {1: -8, 4: kid} and no unprotected header");
        return v->code;
    }
    if (!hcode__cbor_wellformed(c.payload, c.payload_len, 2)) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "presentation content is not well-formed CBOR");
        return v->code;
    }
    /* content */
    hcode__cr r = {c.payload, c.payload_len, 0};
    size_t n, clen = 0;
    int64_t t = -1, kind = 0;
    const uint8_t *cred = NULL;
    unsigned seen = 0;
    bool ok = hcode__cr_map(&r, &n) && n == 3;
    for (size_t i = 0; ok && i < n; i++) {
        int64_t key;
        ok = hcode__cr_int(&r, &key);
        unsigned bit = key == HCODE__CLAIM_IAT ? 1 : key == HCODE__CLAIM_KIND ? 2 : key == HCODE__CLAIM_CREDENTIAL ? 4 : 0;
        ok = ok && bit && !(seen & bit);
        seen |= bit;
        if (!ok)
            break;
        if (bit == 1)
            ok = hcode__cr_int(&r, &t) && t >= 0;
        else if (bit == 2)
            ok = hcode__cr_int(&r, &kind) && kind == HCODE_KIND_PRESENTATION;
        else
            ok = hcode__cr_bytes(&r, &cred, &clen);
    }
    if (!ok || seen != 7 || r.pos != r.len) {
        hcode__verdict_set(v, HCODE_V_MALFORMED, "presentation content is not {6: time, -1: 3, -11: credential}");
        return v->code;
    }
    uint8_t hkid[HCODE__KID_BYTES] = {0};
    size_t hkidlen = c.kid_len;
    memcpy(hkid, c.kid, sizeof hkid);
    /* the credential, as any person code (signature, trust, revocation, times) */
    hcode__cose cc;
    int rc;
    if (parse_envelope(cred, clen, &cc)) { /* the form hcode issues: no allocation */
        hcode__hex(v->issuer, cc.kid, HCODE__KID_BYTES);
        rc = hcode__verify_parsed(ctx, &cc, HCODE_KIND_PERSON, at, v);
    } else {
        rc = hcode__verify_cose(ctx, cred, clen, HCODE_KIND_PERSON, at, v);
    }
    v->kind = HCODE_KIND_PRESENTATION;
    v->presented_at = t;
    if (rc)
        return rc;
    if (!v->has_holder) {
        hcode__verdict_set(v, HCODE_V_HOLDER_MISMATCH, "the credential is not bound to a holder key");
        return v->code;
    }
    uint8_t want[HCODE__KID_BYTES];
    hcode__kid_from_pk(want, v->holder_pk);
    if (hkidlen != HCODE__KID_BYTES || memcmp(want, hkid, HCODE__KID_BYTES) != 0) {
        hcode__verdict_set(v, HCODE_V_HOLDER_MISMATCH, "presentation signed by another device's key, not the credential's holder");
        return v->code;
    }
    if (hcode__cose_verify_pk(&c, v->holder_pk) != 0) {
        hcode__verdict_set(v, HCODE_V_BAD_SIGNATURE, "holder signature does not verify");
        return v->code;
    }
    int64_t fresh = hcode__freshness(ctx);
    if (t > at + ctx->skew) {
        hcode__verdict_set(v, HCODE_V_STALE, "presentation dated %lld s in the future (skew tolerance %lld s)",
                           (long long)(t - at), (long long)ctx->skew);
        return v->code;
    }
    if (at - t > fresh) {
        hcode__verdict_set(v, HCODE_V_STALE, "presentation made %lld s ago, window %lld s",
                           (long long)(at - t), (long long)fresh);
        return v->code;
    }
    crypto_generichash(v->pres_id, sizeof v->pres_id, c.payload, c.payload_len, NULL, 0);
    v->has_pres_id = true;
    v->pres_until = t + fresh;
    if (replay_find(ctx->ts, v->pres_id, at)) {
        hcode__verdict_set(v, HCODE_V_REPLAYED, "presentation already admitted someone");
        return v->code;
    }
    return HCODE_V_VALID;
}
