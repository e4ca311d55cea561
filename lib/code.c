/* Issuing person codes and venue codes. */
#include "hcode-private.h"
#include "claims-private.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *hcode_status_name(int status)
{
    switch (status) {
    case HCODE_GREEN: return "green";
    case HCODE_YELLOW: return "yellow";
    case HCODE_RED: return "red";
    default: return NULL;
    }
}

int hcode_status_parse(const char *name)
{
    if (!name)
        return -1;
    for (int s = HCODE_GREEN; s <= HCODE_RED; s++)
        if (strcmp(name, hcode_status_name(s)) == 0)
            return s;
    return -1;
}

const char *hcode_kind_name(int kind)
{
    switch (kind) {
    case HCODE_KIND_PERSON: return "person";
    case HCODE_KIND_VENUE: return "venue";
    case HCODE_KIND_PRESENTATION: return "presentation";
    default: return "unknown";
    }
}

size_t hcode_payload_max(void) { return HCODE_PAYLOAD_MAX; }

/* Signs claims and wraps them as prefix + Base45 text. */
static int sign_and_wrap(hcode_ctx *ctx, const hcode_keypair *kp, const hcode__claims *c,
                         const char *prefix, char **out)
{
    uint8_t claims[1024];
    uint8_t cose[HCODE__COSE_MAX];
    size_t clen = hcode__claims_encode(c, claims, sizeof claims), coselen;
    if (!clen)
        return hcode__err(ctx, HCODE_ELIMIT, "claims do not fit %zu bytes", sizeof claims);
    int rc = hcode__cose_sign(ctx, kp, claims, clen, cose, sizeof cose, &coselen);
    if (rc)
        return rc;
    size_t tlen = HCODE__PREFIX_LEN + hcode__base45_encoded_len(coselen);
    char *s = malloc(tlen + 1);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    memcpy(s, prefix, HCODE__PREFIX_LEN);
    hcode__base45_encode(s + HCODE__PREFIX_LEN, cose, coselen);
    s[tlen] = '\0';
    *out = s;
    return HCODE_OK;
}

static int check_times(hcode_ctx *ctx, int64_t *at, int64_t *ttl, int64_t def)
{
    *at = hcode__resolve_at(*at);
    if (*ttl <= 0)
        *ttl = def;
    if (*at < 0 || *at > INT64_C(253402300799) || *ttl > INT64_C(100) * 365 * 24 * 3600)
        return hcode__err(ctx, HCODE_EINVAL, "issue time or ttl out of range");
    return HCODE_OK;
}

int hcode_issue_person(hcode_ctx *ctx, const hcode_keypair *issuer, const char *subject,
                       int status, int64_t at, int64_t ttl, const char *name, uint32_t flags,
                       const uint8_t *holder_pk, char **out)
{
    if (!ctx || !out)
        return HCODE_EINVAL;
    *out = NULL;
    hcode__clear_err(ctx);
    if (!issuer)
        return hcode__err(ctx, HCODE_EINVAL, "no issuer key");
    if (!hcode_status_name(status))
        return hcode__err(ctx, HCODE_EINVAL, "status must be green, yellow or red");
    if (name && !hcode__text_ok(name, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "name must be 1..%d bytes of UTF-8 text", HCODE_TEXT_MAX);
    if (flags & ~(0xffu | HCODE_FLAG_PRINTED))
        return hcode__err(ctx, HCODE_EINVAL, "unknown flags 0x%x", (unsigned)flags);
    int rc = check_times(ctx, &at, &ttl, HCODE_PERSON_TTL_DEFAULT);
    if (rc)
        return rc;
    hcode__claims c = {0};
    if (!subject || hcode__pseudonym(issuer, subject, c.subject) != HCODE_OK)
        return hcode__err(ctx, HCODE_EINVAL, "subject identifier must be 1..256 bytes");
    c.kind = HCODE_KIND_PERSON;
    c.iss = issuer->region;
    c.iat = at;
    c.exp = at + ttl;
    hcode__random(ctx, c.cti, sizeof c.cti);
    c.status = status;
    c.flags = flags;
    c.name = name;
    c.holder_pk = holder_pk;
    return sign_and_wrap(ctx, issuer, &c, HCODE__PREFIX_PERSON, out);
}

int hcode_issue_venue(hcode_ctx *ctx, const hcode_keypair *issuer, const char *venue_id,
                      const char *name, const char *region, const char *category, int64_t at,
                      int64_t ttl, char **out)
{
    if (!ctx || !out)
        return HCODE_EINVAL;
    *out = NULL;
    hcode__clear_err(ctx);
    if (!issuer)
        return hcode__err(ctx, HCODE_EINVAL, "no issuer key");
    if (!hcode__text_ok(venue_id, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "venue id must be 1..%d bytes of UTF-8 text", HCODE_TEXT_MAX);
    if (!hcode__text_ok(name, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "venue name must be 1..%d bytes of UTF-8 text", HCODE_TEXT_MAX);
    if (region && !hcode__region_ok(region))
        return hcode__err(ctx, HCODE_EINVAL, "region must be 1..%d printable ASCII characters",
                          HCODE_REGION_MAX);
    if (category && !hcode__text_ok(category, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "category must be 1..%d bytes of UTF-8 text", HCODE_TEXT_MAX);
    int rc = check_times(ctx, &at, &ttl, HCODE_VENUE_TTL_DEFAULT);
    if (rc)
        return rc;
    hcode__claims c = {0};
    c.kind = HCODE_KIND_VENUE;
    c.iss = issuer->region;
    c.iat = at;
    c.exp = at + ttl;
    hcode__random(ctx, c.cti, sizeof c.cti);
    c.venue_id = venue_id;
    c.venue_name = name;
    c.venue_region = (region && strcmp(region, issuer->region) != 0) ? region : NULL;
    c.category = category;
    return sign_and_wrap(ctx, issuer, &c, HCODE__PREFIX_VENUE, out);
}
