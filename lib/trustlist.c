/* Signed trust lists: issuer entries signed by a root key (docs/TRUST.md). */
#include "trustx-private.h"
#include "cbor-read.h"

#include <cbor.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 8
#define ENTRY_MAX_BYTES (1 + 2 + HCODE_REGION_MAX + 1 + 2 + 32 + 1 + 1 + 8 + 1 + 9 + 1 + 9 + 2)

/* ---- file wrapping, shared with revocation lists ----------------------- */

int hcode__list_wrap(hcode_ctx *ctx, const char *magic, const uint8_t *cose, size_t len, char **out)
{
    size_t tlen = 6 + hcode__base45_encoded_len(len) + 1;
    char *s = malloc(tlen + 1);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    memcpy(s, magic, 4);
    s[4] = '1';
    s[5] = ':';
    size_t n = hcode__base45_encode(s + 6, cose, len);
    s[6 + n] = '\n';
    s[7 + n] = '\0';
    *out = s;
    return HCODE_OK;
}

int hcode__list_unwrap(hcode_ctx *ctx, const char *magic, const char *data, size_t len,
                       uint8_t **cose, size_t *coselen)
{
    *cose = NULL;
    if (len < 5 || memcmp(data, magic, 4) != 0)
        return hcode__err(ctx, HCODE_EFORMAT, "does not start with %.4s", magic);
    if ((uint8_t)data[4] == 0xd2) { /* binary: magic + COSE bytes */
        uint8_t *b = malloc(len - 4);
        if (!b)
            return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        memcpy(b, data + 4, len - 4);
        *cose = b;
        *coselen = len - 4;
        return HCODE_OK;
    }
    if (len < 6 || data[4] != '1' || data[5] != ':')
        return hcode__err(ctx, HCODE_EFORMAT, "unknown %.4s version (expected %.4s1:)", magic, magic);
    size_t n = len;
    while (n > 6 && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' '))
        n--;
    n -= 6;
    uint8_t *b = malloc(n / 3 * 2 + 2);
    if (!b)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    size_t m = hcode__base45_decode(b, data + 6, n);
    if (m == (size_t)-1) {
        free(b);
        return hcode__err(ctx, HCODE_EFORMAT, "%.4s text is not valid Base45", magic);
    }
    *cose = b;
    *coselen = m;
    return HCODE_OK;
}

/* ---- signing ----------------------------------------------------------- */

typedef struct enc {
    uint8_t *p;
    size_t cap, n;
    bool bad;
} enc;

static void put(enc *e, size_t k)
{
    if (!k)
        e->bad = true;
    e->n += k;
}
static void e_int(enc *e, int64_t v)
{
    if (e->bad)
        return;
    if (v >= 0)
        put(e, cbor_encode_uint((uint64_t)v, e->p + e->n, e->cap - e->n));
    else
        put(e, cbor_encode_negint((uint64_t)(-1 - v), e->p + e->n, e->cap - e->n));
}
static void e_bytes(enc *e, int major_text, const void *b, size_t len)
{
    if (e->bad)
        return;
    put(e, major_text ? cbor_encode_string_start(len, e->p + e->n, e->cap - e->n)
                      : cbor_encode_bytestring_start(len, e->p + e->n, e->cap - e->n));
    if (e->bad || e->cap - e->n < len) {
        e->bad = true;
        return;
    }
    memcpy(e->p + e->n, b, len);
    e->n += len;
}
static void e_head(enc *e, int map, size_t n)
{
    if (e->bad)
        return;
    put(e, map ? cbor_encode_map_start(n, e->p + e->n, e->cap - e->n)
               : cbor_encode_array_start(n, e->p + e->n, e->cap - e->n));
}

static bool entry_ok(const hcode_trust_entry *e)
{
    return memchr(e->region, '\0', sizeof e->region) && hcode__region_ok(e->region) &&
           (e->usage == HCODE_USAGE_PERSON || e->usage == HCODE_USAGE_VENUE || e->usage == HCODE_USAGE_ALL) &&
           e->not_before >= 0 && e->not_after >= 0 && (!e->not_after || e->not_after >= e->not_before);
}

int hcode_trust_entry_from_file(hcode_ctx *ctx, const char *path, hcode_trust_entry *e)
{
    if (!ctx || !path || !e)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    memset(e, 0, sizeof *e);
    char *buf;
    size_t len;
    int rc = hcode__read_file(ctx, path, 64 * 1024, &buf, &len);
    if (rc)
        return rc;
    rc = hcode__parse_pub_json(ctx, buf, len, path, e->public_key, e->region);
    free(buf);
    e->usage = HCODE_USAGE_ALL;
    return rc;
}

int hcode_trustlist_sign(hcode_ctx *ctx, const hcode_keypair *root, const hcode_trust_entry *entries,
                         size_t n, int64_t at, int64_t ttl, char **out)
{
    if (!ctx || !out)
        return HCODE_EINVAL;
    *out = NULL;
    hcode__clear_err(ctx);
    if (!root || (!entries && n))
        return hcode__err(ctx, HCODE_EINVAL, "no root key or entries");
    if (n == 0 || n > HCODE_TRUSTLIST_MAX_ENTRIES)
        return hcode__err(ctx, HCODE_EINVAL, "a trust list holds 1..%d entries", HCODE_TRUSTLIST_MAX_ENTRIES);
    at = hcode__resolve_at(at);
    if (ttl <= 0)
        ttl = HCODE_TRUSTLIST_TTL_DEFAULT;
    if (at < 0 || at > INT64_C(253402300799) || ttl > INT64_C(100) * 365 * 86400)
        return hcode__err(ctx, HCODE_EINVAL, "issue time or ttl out of range");
    for (size_t i = 0; i < n; i++)
        if (!entry_ok(&entries[i]))
            return hcode__err(ctx, HCODE_EINVAL, "entry %zu: bad region, usage or validity", i + 1);

    size_t cap = 64 + HCODE_REGION_MAX + n * ENTRY_MAX_BYTES;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    enc e = {buf, cap, 0, false};
    /* keys in deterministic order: 1, 4, 6, -1, -20 */
    e_head(&e, 1, 5);
    e_int(&e, HCODE__CLAIM_ISS);
    e_bytes(&e, 1, root->region, strlen(root->region));
    e_int(&e, HCODE__CLAIM_EXP);
    e_int(&e, at + ttl);
    e_int(&e, HCODE__CLAIM_IAT);
    e_int(&e, at);
    e_int(&e, HCODE__CLAIM_KIND);
    e_int(&e, HCODE__KIND_TRUST_LIST);
    e_int(&e, HCODE__CLAIM_TL_ENTRIES);
    e_head(&e, 0, n);
    for (size_t i = 0; i < n; i++) {
        const hcode_trust_entry *t = &entries[i];
        uint8_t kid[HCODE__KID_BYTES];
        hcode__kid_from_pk(kid, t->public_key);
        e_head(&e, 1, 4 + (t->not_before != 0) + (t->not_after != 0));
        e_int(&e, 1);
        e_bytes(&e, 1, t->region, strlen(t->region));
        e_int(&e, 2);
        e_bytes(&e, 0, t->public_key, HCODE__PK_BYTES);
        e_int(&e, 3);
        e_bytes(&e, 0, kid, HCODE__KID_BYTES);
        if (t->not_before) {
            e_int(&e, 4);
            e_int(&e, t->not_before);
        }
        if (t->not_after) {
            e_int(&e, 5);
            e_int(&e, t->not_after);
        }
        e_int(&e, 6);
        e_int(&e, t->usage);
    }
    int rc;
    if (e.bad) {
        rc = hcode__err(ctx, HCODE_ELIMIT, "trust list does not fit");
    } else {
        uint8_t *cose;
        size_t coselen;
        rc = hcode__cose_sign_alloc(ctx, root, buf, e.n, &cose, &coselen);
        if (!rc) {
            rc = hcode__list_wrap(ctx, "HCTL", cose, coselen, out);
            free(cose);
        }
    }
    free(buf);
    return rc;
}

/* ---- loading ----------------------------------------------------------- */

static int bad(hcode_ctx *ctx, const char *what)
{
    return hcode__err(ctx, HCODE_ETRUST, "trust list refused: %s", what);
}

static int parse_entry(hcode_ctx *ctx, hcode__cr *r, hcode__trust_key *k, size_t idx)
{
    size_t n;
    unsigned seen = 0;
    uint8_t kid[HCODE__KID_BYTES];
    char msg[96];
    memset(k, 0, sizeof *k);
    k->not_before = INT64_MIN;
    k->not_after = INT64_MAX;
    snprintf(msg, sizeof msg, "entry %zu is malformed", idx + 1);
    if (!hcode__cr_map(r, &n) || n > 6)
        return bad(ctx, msg);
    for (size_t i = 0; i < n; i++) {
        int64_t key, iv;
        const uint8_t *b;
        const char *t;
        size_t len;
        if (!hcode__cr_int(r, &key) || key < 1 || key > 6 || (seen & (1u << key)))
            return bad(ctx, msg);
        seen |= 1u << key;
        switch (key) {
        case 1:
            if (!hcode__cr_text(r, &t, &len) || len == 0 || len > HCODE_REGION_MAX)
                return bad(ctx, msg);
            memcpy(k->region, t, len);
            k->region[len] = '\0';
            if (!hcode__region_ok(k->region))
                return bad(ctx, msg);
            break;
        case 2:
            if (!hcode__cr_bytes(r, &b, &len) || len != HCODE__PK_BYTES)
                return bad(ctx, msg);
            memcpy(k->pk, b, HCODE__PK_BYTES);
            break;
        case 3:
            if (!hcode__cr_bytes(r, &b, &len) || len != HCODE__KID_BYTES)
                return bad(ctx, msg);
            memcpy(kid, b, HCODE__KID_BYTES);
            break;
        case 4:
        case 5:
            if (!hcode__cr_int(r, &iv) || iv < 0)
                return bad(ctx, msg);
            if (key == 4)
                k->not_before = iv;
            else
                k->not_after = iv;
            break;
        case 6:
            if (!hcode__cr_int(r, &iv) || iv < 1 || iv > 3)
                return bad(ctx, msg);
            k->usage = (unsigned)iv;
            break;
        }
    }
    unsigned need = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 6;
    if ((seen & need) != need)
        return bad(ctx, msg);
    hcode__kid_from_pk(k->kid, k->pk);
    if (memcmp(kid, k->kid, HCODE__KID_BYTES) != 0) {
        snprintf(msg, sizeof msg, "entry %zu: kid is not derived from its key", idx + 1);
        return bad(ctx, msg);
    }
    if (k->not_after < k->not_before) {
        snprintf(msg, sizeof msg, "entry %zu: not-after before not-before", idx + 1);
        return bad(ctx, msg);
    }
    return HCODE_OK;
}

int hcode_trustlist_load(hcode_ctx *ctx, const char *data, size_t len, const uint8_t *root_pk, int64_t at)
{
    if (!ctx || (!data && len) || !root_pk)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (len > HCODE_TRUSTLIST_FILE_MAX)
        return hcode__err(ctx, HCODE_ELIMIT, "trust list larger than %d bytes", HCODE_TRUSTLIST_FILE_MAX);
    at = hcode__resolve_at(at);
    uint8_t *cose = NULL;
    size_t coselen = 0;
    hcode__trust_key *keys = NULL;
    int rc = hcode__list_unwrap(ctx, "HCTL", data ? data : "", len, &cose, &coselen);
    if (rc == HCODE_ENOMEM)
        goto out;
    if (rc) {
        char m[200];
        snprintf(m, sizeof m, "%s", hcode_errmsg(ctx));
        rc = bad(ctx, m);
        goto out;
    }
    hcode_verdict *v = calloc(1, sizeof *v);
    if (!v) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    hcode__cose c;
    if (coselen < 2 || !hcode__cbor_wellformed(cose + 1, coselen - 1, MAX_DEPTH) ||
        hcode__cose_parse(cose, coselen, &c, v) != 0) {
        if (v->code == HCODE__V_NOMEM) {
            free(v);
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        free(v);
        rc = bad(ctx, "not a well-formed COSE_Sign1 object");
        goto out;
    }
    free(v);
    uint8_t rootkid[HCODE__KID_BYTES];
    hcode__kid_from_pk(rootkid, root_pk);
    if (c.kid_len != HCODE__KID_BYTES || memcmp(c.kid, rootkid, HCODE__KID_BYTES) != 0) {
        rc = bad(ctx, "signed by another key than the root key");
        goto out;
    }
    rc = hcode__cose_verify_pk(&c, root_pk);
    if (rc == HCODE_ENOMEM) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    if (rc) {
        rc = bad(ctx, "signature does not verify under the root key (edited or forged)");
        goto out;
    }
    /* the signed content */
    hcode__cr r = {c.payload, c.payload_len, 0};
    size_t nkeys = 0, n;
    int64_t iat = -1, exp = -1, kind = 0;
    unsigned seen = 0;
    if (!hcode__cr_map(&r, &n) || n != 5) {
        rc = bad(ctx, "content is not a map of 5 entries");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t key;
        const char *t;
        size_t tl;
        if (!hcode__cr_int(&r, &key)) {
            rc = bad(ctx, "content key is not an integer");
            goto out;
        }
        unsigned bit = key == 1 ? 1 : key == 4 ? 2 : key == 6 ? 4 : key == -1 ? 8 : key == -20 ? 16 : 0;
        if (!bit || (seen & bit)) {
            rc = bad(ctx, "unknown or duplicate content key");
            goto out;
        }
        seen |= bit;
        bool ok = true;
        if (key == 1)
            ok = hcode__cr_text(&r, &t, &tl) && tl > 0 && tl <= HCODE_REGION_MAX;
        else if (key == 4)
            ok = hcode__cr_int(&r, &exp) && exp >= 0;
        else if (key == 6)
            ok = hcode__cr_int(&r, &iat) && iat >= 0;
        else if (key == -1)
            ok = hcode__cr_int(&r, &kind) && kind == HCODE__KIND_TRUST_LIST;
        else {
            ok = hcode__cr_array(&r, &nkeys) && nkeys >= 1 && nkeys <= HCODE_TRUSTLIST_MAX_ENTRIES;
            if (ok) {
                keys = calloc(nkeys, sizeof *keys);
                if (!keys) {
                    rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
                    goto out;
                }
                for (size_t j = 0; j < nkeys; j++)
                    if ((rc = parse_entry(ctx, &r, &keys[j], j)) != 0)
                        goto out;
            }
        }
        if (!ok) {
            rc = bad(ctx, key == -1 ? "not a trust list" : "a content field has a bad value");
            goto out;
        }
    }
    if (r.pos != r.len) {
        rc = bad(ctx, "trailing bytes in the content");
        goto out;
    }
    if (exp < iat) {
        rc = bad(ctx, "expires before it was issued");
        goto out;
    }
    if (iat > at + ctx->skew) {
        rc = hcode__err(ctx, HCODE_ETRUST,
                        "trust list refused: issued at %lld, %lld s after the verifier's time "
                        "(clock behind?)", (long long)iat, (long long)(iat - at));
        goto out;
    }
    if (at > exp) {
        rc = hcode__err(ctx, HCODE_ETRUST, "trust list refused: expired at %lld, %lld s ago",
                        (long long)exp, (long long)(at - exp));
        goto out;
    }
    /* all or nothing */
    size_t before = ctx->nkeys;
    for (size_t j = 0; j < nkeys; j++)
        if ((rc = hcode__trust_push(ctx, &keys[j])) != 0) {
            ctx->nkeys = before;
            goto out;
        }
    rc = HCODE_OK;
out:
    free(keys);
    free(cose);
    return rc;
}

int hcode_trustlist_load_file(hcode_ctx *ctx, const char *path, const uint8_t *root_pk, int64_t at)
{
    if (!ctx || !path || !root_pk)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    char *buf = NULL;
    size_t len = 0;
    int rc = hcode__read_file_fit(ctx, path, HCODE_TRUSTLIST_FILE_MAX, &buf, &len);
    if (rc)
        return rc;
    rc = hcode_trustlist_load(ctx, buf, len, root_pk, at);
    if (rc) {
        char m[256];
        snprintf(m, sizeof m, "%s: %s", path, hcode_errmsg(ctx));
        hcode__err(ctx, rc, "%s", m);
    }
    free(buf);
    return rc;
}

int hcode__read_file_fit(hcode_ctx *ctx, const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) /* stdio allocates its FILE: ENOMEM is memory, not the file */
        return errno == ENOMEM ? hcode__err(ctx, HCODE_ENOMEM, "out of memory")
                               : hcode__err(ctx, HCODE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return hcode__err(ctx, HCODE_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        fclose(f);
        return hcode__err(ctx, HCODE_ELIMIT, "%s: larger than %zu bytes", path, max);
    }
    size_t want = (size_t)st.st_size;
    char *buf = malloc(want + 1);
    if (!buf) {
        fclose(f);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, want + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err || n != want) {
        free(buf);
        return hcode__err(ctx, HCODE_EIO, "%s: read error (file changed while reading?)", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return HCODE_OK;
}
