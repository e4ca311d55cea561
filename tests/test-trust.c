/* Trust lists, revocation lists, dynamic presentations, printed codes:
 * every verdict of docs/TRUST.md, positive and negative. */
#include "hcode-private.h"
#include "trustx-private.h"

#include <check.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1790000000)

static hcode_keypair *root, *ia, *ib, *holder, *holder2;

static void setup(void)
{
    ck_assert_int_eq(hcode_keypair_generate(&root, "ROOT"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&ia, "CN-370100"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&ib, "CN-440300"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&holder, NULL), 0);
    ck_assert_int_eq(hcode_keypair_generate(&holder2, NULL), 0);
}

static void teardown(void)
{
    hcode_keypair_free(root);
    hcode_keypair_free(ia);
    hcode_keypair_free(ib);
    hcode_keypair_free(holder);
    hcode_keypair_free(holder2);
}

static hcode_trust_entry entry(const hcode_keypair *kp, unsigned usage, int64_t nbf, int64_t naf)
{
    hcode_trust_entry e;
    memset(&e, 0, sizeof e);
    strcpy(e.region, hcode_keypair_region(kp));
    hcode_keypair_public_key(kp, e.public_key);
    e.usage = usage;
    e.not_before = nbf;
    e.not_after = naf;
    return e;
}

static char *sign_list(int64_t at, int64_t ttl)
{
    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    hcode_trust_entry e[2] = {entry(ia, HCODE_USAGE_ALL, 0, 0), entry(ib, HCODE_USAGE_PERSON, 0, 0)};
    char *out = NULL;
    ck_assert_int_eq(hcode_trustlist_sign(ctx, root, e, 2, at, ttl, &out), 0);
    hcode_ctx_free(ctx);
    return out;
}

static hcode_ctx *ctx_with_list(void)
{
    hcode_ctx *ctx;
    uint8_t rpk[32];
    hcode_keypair_public_key(root, rpk);
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    char *l = sign_list(T0, 0);
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), rpk, T0 + 10), 0);
    hcode_free(l);
    ck_assert_uint_eq(hcode_trust_count(ctx), 2);
    return ctx;
}

static char *person(hcode_ctx *ctx, const hcode_keypair *kp, const char *subj, const hcode_keypair *h, int64_t at,
                    uint32_t flags)
{
    uint8_t hpk[32];
    if (h)
        hcode_keypair_public_key(h, hpk);
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, subj, HCODE_GREEN, at, 0, NULL, flags, h ? hpk : NULL, &p), 0);
    return p;
}

static int verdict(hcode_ctx *ctx, const char *p, int64_t at)
{
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, p, strlen(p), at, &v), 0);
    int c = hcode_verdict_code(v);
    hcode_verdict_free(v);
    return c;
}

/* ---- trust lists ------------------------------------------------------- */

START_TEST(trustlist_roundtrip_and_usage)
{
    hcode_ctx *ctx = ctx_with_list();
    char *pa = person(ctx, ia, "A1", NULL, T0, 0), *pb = person(ctx, ib, "B1", NULL, T0, 0);
    char *vb = NULL;
    ck_assert_int_eq(hcode_issue_venue(ctx, ib, "V1", "Mall", NULL, NULL, T0, 0, &vb), 0);
    ck_assert_int_eq(verdict(ctx, pa, T0 + 5), HCODE_V_VALID);
    ck_assert_int_eq(verdict(ctx, pb, T0 + 5), HCODE_V_VALID);
    /* ib may sign person codes only */
    ck_assert_int_eq(verdict(ctx, vb, T0 + 5), HCODE_V_KEY_NOT_PERMITTED);
    /* the root key itself is not an issuer */
    char *pr = person(ctx, root, "R", NULL, T0, 0);
    ck_assert_int_eq(verdict(ctx, pr, T0 + 5), HCODE_V_UNKNOWN_ISSUER);
    hcode_free(pa), hcode_free(pb), hcode_free(vb), hcode_free(pr);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(trustlist_key_rotation)
{
    hcode_ctx *ctx;
    uint8_t rpk[32];
    hcode_keypair_public_key(root, rpk);
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    hcode_trust_entry e = entry(ia, HCODE_USAGE_ALL, T0 - 1000, T0 + 100);
    char *l = NULL;
    ck_assert_int_eq(hcode_trustlist_sign(ctx, root, &e, 1, T0, 0, &l), 0);
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), rpk, T0), 0);
    char *before = person(ctx, ia, "X", NULL, T0 + 50, 0), *after = person(ctx, ia, "X", NULL, T0 + 200, 0);
    char *early = person(ctx, ia, "X", NULL, T0 - 2000, 0);
    ck_assert_int_eq(verdict(ctx, before, T0 + 300), HCODE_V_VALID);
    ck_assert_int_eq(verdict(ctx, after, T0 + 300), HCODE_V_KEY_NOT_PERMITTED);
    ck_assert_int_eq(verdict(ctx, early, T0 - 1990), HCODE_V_KEY_NOT_PERMITTED);
    hcode_free(l), hcode_free(before), hcode_free(after), hcode_free(early);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(trustlist_refused_whole)
{
    hcode_ctx *ctx;
    uint8_t rpk[32], otherpk[32];
    hcode_keypair_public_key(root, rpk);
    hcode_keypair_public_key(ia, otherpk);
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    char *l = sign_list(T0, 3600);
    /* wrong root */
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), otherpk, T0), HCODE_ETRUST);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "root"));
    /* expired, and issued after the verifier's clock (+ skew) */
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), rpk, T0 + 3601), HCODE_ETRUST);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "expired"));
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), rpk, T0 - 31), HCODE_ETRUST);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "clock behind"));
    ck_assert_int_eq(hcode_trustlist_load(ctx, l, strlen(l), rpk, T0 - 30), 0); /* within skew */
    ck_assert_uint_eq(hcode_trust_count(ctx), 2);
    /* every single-byte edit of the binary form is refused, nothing kept */
    hcode_ctx *c2;
    ck_assert_int_eq(hcode_ctx_new(&c2), 0);
    uint8_t *cose;
    size_t clen;
    ck_assert_int_eq(hcode__list_unwrap(c2, "HCTL", l, strlen(l), &cose, &clen), 0);
    char *bin = malloc(clen + 4);
    memcpy(bin, "HCTL", 4);
    memcpy(bin + 4, cose, clen);
    ck_assert_int_eq(hcode_trustlist_load(c2, bin, clen + 4, rpk, T0), 0);
    hcode_ctx_free(c2);
    for (size_t i = 0; i < clen; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            ck_assert_int_eq(hcode_ctx_new(&c2), 0);
            bin[4 + i] ^= (char)(1 << bit);
            int rc = hcode_trustlist_load(c2, bin, clen + 4, rpk, T0);
            bin[4 + i] ^= (char)(1 << bit);
            ck_assert_msg(rc == HCODE_ETRUST, "edit at byte %zu accepted (rc %d)", i, rc);
            ck_assert_uint_eq(hcode_trust_count(c2), 0);
            hcode_ctx_free(c2);
        }
    }
    /* an edited text character too */
    l[10] = l[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(hcode_ctx_new(&c2), 0);
    ck_assert_int_eq(hcode_trustlist_load(c2, l, strlen(l), rpk, T0), HCODE_ETRUST);
    ck_assert_uint_eq(hcode_trust_count(c2), 0);
    hcode_ctx_free(c2);
    free(bin);
    free(cose);
    hcode_free(l);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(colliding_kids_all_tried)
{
    hcode_ctx *ctx = ctx_with_list();
    /* a second key with ia's kid, tried first */
    hcode__trust_key k = ctx->keys[0];
    k.pk[0] ^= 1;
    ck_assert_int_eq(hcode__trust_push(ctx, &k), 0);
    hcode__trust_key t = ctx->keys[0];
    ctx->keys[0] = ctx->keys[ctx->nkeys - 1];
    ctx->keys[ctx->nkeys - 1] = t;
    char *p = person(ctx, ia, "A", NULL, T0, 0);
    ck_assert_int_eq(verdict(ctx, p, T0), HCODE_V_VALID);
    hcode_free(p);
    hcode_ctx_free(ctx);
}
END_TEST

/* ---- revocation -------------------------------------------------------- */

START_TEST(revocation_lists)
{
    hcode_ctx *ctx = ctx_with_list();
    char *p1 = person(ctx, ia, "P", NULL, T0, 0), *p2 = person(ctx, ia, "P", NULL, T0, 0);
    char *pb = person(ctx, ib, "Q", NULL, T0, 0);
    uint8_t ids[16];
    ck_assert_int_eq(hcode_code_id(ctx, ia, p1, strlen(p1), ids), 0);
    ck_assert_int_eq(hcode_code_id(ctx, ia, pb, strlen(pb), ids + 8), HCODE_EINVAL); /* not ia's */
    ck_assert_int_eq(hcode_code_id(ctx, ib, pb, strlen(pb), ids + 8), 0);
    /* ia's list names p1 and (wrongly) ib's code: only ia's codes are hit */
    char *rl = NULL;
    ck_assert_int_eq(hcode_revocation_sign(ctx, ia, ids, 2, T0 + 100, &rl), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 - 100), HCODE_ETRUST); /* future */
    ck_assert_uint_eq(hcode_revocation_count(ctx), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 200), 0);
    ck_assert_uint_eq(hcode_revocation_count(ctx), 2);
    ck_assert_int_eq(verdict(ctx, p1, T0 + 200), HCODE_V_REVOKED);
    ck_assert_int_eq(verdict(ctx, p2, T0 + 200), HCODE_V_VALID);
    ck_assert_int_eq(verdict(ctx, pb, T0 + 200), HCODE_V_VALID);
    /* a list signed by a key the verifier does not trust is refused */
    hcode_keypair *rogue;
    ck_assert_int_eq(hcode_keypair_generate(&rogue, "CN-370100"), 0);
    char *rl2 = NULL;
    ck_assert_int_eq(hcode_revocation_sign(ctx, rogue, ids, 1, T0, &rl2), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl2, strlen(rl2), T0 + 200), HCODE_ETRUST);
    /* an edited list is refused */
    rl[20] = rl[20] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 200), HCODE_ETRUST);
    ck_assert_uint_eq(hcode_revocation_count(ctx), 2);
    hcode_keypair_free(rogue);
    hcode_free(rl), hcode_free(rl2), hcode_free(p1), hcode_free(p2), hcode_free(pb);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(revocation_large_sorted)
{
    hcode_ctx *ctx = ctx_with_list();
    size_t n = 100000;
    uint8_t *ids = malloc(n * 8);
    randombytes_buf(ids, n * 8);
    char *p = person(ctx, ia, "P", NULL, T0, 0);
    ck_assert_int_eq(hcode_code_id(ctx, ia, p, strlen(p), ids + 8 * 777), 0);
    memcpy(ids + 8 * 778, ids + 8 * 777, 8); /* a duplicate is dropped */
    char *rl = NULL;
    ck_assert_int_eq(hcode_revocation_sign(ctx, ia, ids, n, T0, &rl), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0), 0);
    ck_assert_uint_eq(hcode_revocation_count(ctx), n - 1);
    ck_assert_int_eq(verdict(ctx, p, T0), HCODE_V_REVOKED);
    for (size_t i = 0; i < n; i += 997)
        ck_assert(hcode__is_revoked(ctx, ctx->keys[0].pk, ids + 8 * i));
    uint8_t miss[8] = {0};
    ck_assert(!hcode__is_revoked(ctx, ctx->keys[0].pk, miss) || 0);
    free(ids);
    hcode_free(rl), hcode_free(p);
    hcode_ctx_free(ctx);
}
END_TEST

/* ---- presentations ----------------------------------------------------- */

static char *present(hcode_ctx *ctx, const hcode_keypair *h, const char *cred, int64_t at)
{
    char *d = NULL;
    ck_assert_int_eq(hcode_present(ctx, h, cred, strlen(cred), at, &d), 0);
    return d;
}

START_TEST(presentation_verdicts)
{
    hcode_ctx *ctx = ctx_with_list();
    char *cred = person(ctx, ia, "H", holder, T0, 0);
    char *d = present(ctx, holder, cred, T0 + 100);
    ck_assert_int_eq(strncmp(d, "HCD1:", 5), 0);
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, d, strlen(d), T0 + 110, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_VALID);
    ck_assert_int_eq(hcode_verdict_kind(v), HCODE_KIND_PRESENTATION);
    ck_assert_int_eq(hcode_verdict_presented_at(v), T0 + 100);
    ck_assert_int_eq(hcode_verdict_status(v), HCODE_GREEN);
    hcode_verdict_free(v);
    /* window: 60 s by default, then stale; future beyond the 30 s skew: stale */
    ck_assert_int_eq(verdict(ctx, d, T0 + 160), HCODE_V_VALID);
    ck_assert_int_eq(verdict(ctx, d, T0 + 161), HCODE_V_STALE);
    ck_assert_int_eq(verdict(ctx, d, T0 + 70), HCODE_V_VALID);
    ck_assert_int_eq(verdict(ctx, d, T0 + 69), HCODE_V_STALE);
    ck_assert_int_eq(hcode_ctx_set_freshness(ctx, 90), 0);
    ck_assert_int_eq(verdict(ctx, d, T0 + 161), HCODE_V_VALID);
    ck_assert_int_eq(hcode_ctx_set_freshness(ctx, 0), HCODE_EINVAL);
    ck_assert_int_eq(hcode_ctx_set_freshness(ctx, 60), 0);
    /* presenting with another device's key is refused at the source ... */
    char *x = NULL;
    ck_assert_int_eq(hcode_present(ctx, holder2, cred, strlen(cred), T0, &x), HCODE_EINVAL);
    /* ... and a presentation forged with it is holder_mismatch */
    uint8_t credb[HCODE__COSE_MAX], body[HCODE__COSE_MAX], cose[HCODE__COSE_MAX];
    size_t clen, coselen;
    int kind;
    hcode_verdict tmp;
    memset(&tmp, 0, sizeof tmp);
    ck_assert_int_eq(hcode__payload_unwrap(cred, strlen(cred), credb, sizeof credb, &clen, &kind, &tmp), 0);
    size_t n = 0;
    body[n++] = 0xa3, body[n++] = 0x06, body[n++] = 0x1a;
    uint32_t t = (uint32_t)(T0 + 100);
    body[n++] = t >> 24, body[n++] = t >> 16, body[n++] = t >> 8, body[n++] = t;
    body[n++] = 0x20, body[n++] = 0x03, body[n++] = 0x2a, body[n++] = 0x58, body[n++] = (uint8_t)clen;
    memcpy(body + n, credb, clen);
    n += clen;
    ck_assert_int_eq(hcode__cose_sign(ctx, holder2, body, n, cose, sizeof cose, &coselen), 0);
    char forged[HCODE_PAYLOAD_MAX];
    memcpy(forged, "HCD1:", 5);
    forged[5 + hcode__base45_encode(forged + 5, cose, coselen)] = '\0';
    ck_assert_int_eq(verdict(ctx, forged, T0 + 110), HCODE_V_HOLDER_MISMATCH);
    /* the same bytes signed by the right holder are accepted: the forgery
     * differs only in its signer */
    ck_assert_int_eq(hcode__cose_sign(ctx, holder, body, n, cose, sizeof cose, &coselen), 0);
    forged[5 + hcode__base45_encode(forged + 5, cose, coselen)] = '\0';
    ck_assert_int_eq(verdict(ctx, forged, T0 + 110), HCODE_V_VALID);
    /* a flipped signature byte: bad_signature */
    cose[coselen - 3] ^= 1;
    forged[5 + hcode__base45_encode(forged + 5, cose, coselen)] = '\0';
    ck_assert_int_eq(verdict(ctx, forged, T0 + 110), HCODE_V_BAD_SIGNATURE);
    /* credential not holder-bound: cannot be presented */
    char *bare = person(ctx, ia, "N", NULL, T0, 0);
    ck_assert_int_eq(hcode_present(ctx, holder, bare, strlen(bare), T0, &x), HCODE_EINVAL);
    hcode_free(bare), hcode_free(d), hcode_free(cred);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(presentation_replay_cache)
{
    hcode_ctx *ctx = ctx_with_list();
    char *cred = person(ctx, ia, "H", holder, T0, 0);
    char *d = present(ctx, holder, cred, T0 + 100);
    hcode_verdict *v;
    /* camera frames of one attempt: verified again and again, all valid */
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(verdict(ctx, d, T0 + 101 + i), HCODE_V_VALID);
    ck_assert_int_eq(hcode_verify(ctx, d, strlen(d), T0 + 106, &v), 0);
    ck_assert_int_eq(hcode_presentation_consume(ctx, v), 0);
    ck_assert_int_eq(hcode_presentation_consume(ctx, v), HCODE_EEXIST);
    hcode_verdict_free(v);
    /* the same presentation for another check-in: replayed */
    ck_assert_int_eq(verdict(ctx, d, T0 + 120), HCODE_V_REPLAYED);
    /* after its window it is stale, not replayed */
    ck_assert_int_eq(verdict(ctx, d, T0 + 200), HCODE_V_STALE);
    /* a fresh presentation from the same phone is a new attempt */
    char *d2 = present(ctx, holder, cred, T0 + 121);
    ck_assert_int_eq(verdict(ctx, d2, T0 + 122), HCODE_V_VALID);
    /* a bare code or an invalid verdict cannot be consumed */
    ck_assert_int_eq(hcode_verify(ctx, cred, strlen(cred), T0 + 122, &v), 0);
    ck_assert_int_eq(hcode_presentation_consume(ctx, v), HCODE_EINVAL);
    hcode_verdict_free(v);
    /* the cache stays bounded */
    for (int i = 0; i < HCODE_REPLAY_MAX + 10; i++) {
        char *di = present(ctx, holder, cred, T0 + 130 + (i % 20));
        ck_assert_int_eq(hcode_verify(ctx, di, strlen(di), T0 + 150, &v), 0);
        if (hcode_verdict_valid(v))
            ck_assert_int_eq(hcode_presentation_consume(ctx, v), 0);
        hcode_verdict_free(v);
        hcode_free(di);
    }
    ck_assert_uint_le(ctx->ts->nreplay, HCODE_REPLAY_MAX);
    hcode_free(d), hcode_free(d2), hcode_free(cred);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(gate_policy_and_printed)
{
    hcode_ctx *ctx = ctx_with_list();
    char *bound = person(ctx, ia, "H", holder, T0, 0), *plain = person(ctx, ia, "P", NULL, T0, 0);
    char *printed = person(ctx, ia, "OLD", NULL, T0, HCODE_FLAG_PRINTED);
    ck_assert_int_eq(verdict(ctx, bound, T0), HCODE_V_VALID);
    ck_assert_int_eq(hcode_ctx_require_presentation(ctx, 1), 0);
    ck_assert_int_eq(verdict(ctx, bound, T0), HCODE_V_HOLDER_BINDING_REQUIRED);
    ck_assert_int_eq(verdict(ctx, plain, T0), HCODE_V_VALID);
    char *d = present(ctx, holder, bound, T0);
    ck_assert_int_eq(verdict(ctx, d, T0 + 1), HCODE_V_VALID);
    /* printed: no holder key, 30-day default validity, exposed in the verdict */
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, printed, strlen(printed), T0 + 29 * 86400, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_VALID);
    ck_assert_int_eq(hcode_verdict_printed(v), 1);
    ck_assert_int_eq(hcode_verdict_exp(v), T0 + 30 * 86400);
    hcode_verdict_free(v);
    ck_assert_int_eq(hcode_verify(ctx, plain, strlen(plain), T0, &v), 0);
    ck_assert_int_eq(hcode_verdict_printed(v), 0);
    hcode_verdict_free(v);
    uint8_t hpk[32];
    hcode_keypair_public_key(holder, hpk);
    char *x = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, ia, "Z", HCODE_GREEN, T0, 0, NULL, HCODE_FLAG_PRINTED, hpk, &x),
                     HCODE_EINVAL);
    ck_assert_ptr_null(x);
    hcode_free(bound), hcode_free(plain), hcode_free(printed), hcode_free(d);
    hcode_ctx_free(ctx);
}
END_TEST

static int qr_version(const char *s, QRecLevel lvl)
{
    QRcode *q = QRcode_encodeString(s, 0, lvl, QR_MODE_8, 1);
    ck_assert_ptr_nonnull(q);
    int ver = q->version;
    QRcode_free(q);
    return ver;
}

START_TEST(presentation_fits_qr)
{
    hcode_ctx *ctx = ctx_with_list();
    char *cred = person(ctx, ia, "370102199001011234", holder, T0, HCODE_REASON_TRAVEL);
    char *d = present(ctx, holder, cred, T0);
    ck_assert_int_le(qr_version(d, QR_ECLEVEL_M), 14);
    ck_assert_int_le(qr_version(d, QR_ECLEVEL_Q), 15);
    hcode_free(d), hcode_free(cred);
    hcode_ctx_free(ctx);
}
END_TEST

int main(void)
{
    if (hcode_init() != 0)
        return 1;
    Suite *s = suite_create("trust");
    TCase *tc = tcase_create("all");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, trustlist_roundtrip_and_usage);
    tcase_add_test(tc, trustlist_key_rotation);
    tcase_add_test(tc, trustlist_refused_whole);
    tcase_add_test(tc, colliding_kids_all_tried);
    tcase_add_test(tc, revocation_lists);
    tcase_add_test(tc, revocation_large_sorted);
    tcase_add_test(tc, presentation_verdicts);
    tcase_add_test(tc, presentation_replay_cache);
    tcase_add_test(tc, gate_policy_and_printed);
    tcase_add_test(tc, presentation_fits_qr);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
