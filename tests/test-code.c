/* Issuing and verifying person and venue codes: round trips, every verdict,
 * and bad input of every shape. */
#include "hcode-private.h"

#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1795000000)

static hcode_ctx *ctx;
static hcode_keypair *kp;

static void setup(void)
{
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
}

static void teardown(void)
{
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}

static char *person(int status, const char *name)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "370102199003077777", status, T0, 86400, name, 0, NULL, &p), 0);
    return p;
}

static int verdict_at(const char *p, size_t len, int64_t at)
{
    hcode_verdict *v = NULL;
    ck_assert_int_eq(hcode_verify(ctx, p, len, at, &v), 0);
    ck_assert_ptr_nonnull(v);
    int code = hcode_verdict_code(v);
    if (code != HCODE_V_VALID) {
        ck_assert_int_eq(hcode_verdict_valid(v), 0);
        ck_assert_ptr_nonnull(hcode_verdict_error(v));
        ck_assert_str_ne(hcode_verdict_message(v), "");
    }
    hcode_verdict_free(v);
    return code;
}

static int verdict(const char *p) { return verdict_at(p, strlen(p), T0 + 60); }

START_TEST(person_round_trip)
{
    char *p = person(HCODE_YELLOW, "张*三");
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, p, strlen(p), T0 + 10, &v), 0);
    ck_assert_int_eq(hcode_verdict_valid(v), 1);
    ck_assert_ptr_null(hcode_verdict_error(v));
    ck_assert_int_eq(hcode_verdict_kind(v), HCODE_KIND_PERSON);
    ck_assert_int_eq(hcode_verdict_status(v), HCODE_YELLOW);
    ck_assert_str_eq(hcode_verdict_region(v), "CN-370100");
    ck_assert_str_eq(hcode_verdict_issuer(v), hcode_keypair_kid_hex(kp));
    ck_assert_str_eq(hcode_verdict_name_text(v), "张*三");
    ck_assert_int_eq(hcode_verdict_iat(v), T0);
    ck_assert_int_eq(hcode_verdict_exp(v), T0 + 86400);
    char pseudo[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "370102199003077777", pseudo, sizeof pseudo), 0);
    ck_assert_str_eq(hcode_verdict_subject(v), pseudo);
    /* lower-case check character and blanks normalise to the same pseudonym */
    char pseudo2[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, " 37010219900307777x ", pseudo2, sizeof pseudo2), 0);
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "37010219900307777X", pseudo, sizeof pseudo), 0);
    ck_assert_str_eq(pseudo, pseudo2);
    char *json;
    ck_assert_int_eq(hcode_verdict_to_json(v, &json), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"valid\":true"));
    ck_assert_ptr_nonnull(strstr(json, "\"status\":\"yellow\""));
    hcode_free(json);
    hcode_verdict_free(v);
    hcode_free(p);
}
END_TEST

START_TEST(identifier_never_in_payload)
{
    char *p = person(HCODE_GREEN, NULL);
    uint8_t cose[HCODE__COSE_MAX];
    size_t n = hcode__base45_decode(cose, p + 5, strlen(p) - 5);
    ck_assert_uint_ne(n, (size_t)-1);
    ck_assert_ptr_null(memmem(cose, n, "370102199003077777", 18));
    ck_assert_ptr_null(strstr(p, "370102199003077777"));
    hcode_free(p);
}
END_TEST

START_TEST(venue_round_trip)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "370102-000123", "泉城广场 Quancheng Plaza", "CN-370102", "mall",
                                       T0, 0, &p), 0);
    ck_assert_int_eq(strncmp(p, "HCV1:", 5), 0);
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, p, strlen(p), T0 + 1000, &v), 0);
    ck_assert_int_eq(hcode_verdict_valid(v), 1);
    ck_assert_int_eq(hcode_verdict_kind(v), HCODE_KIND_VENUE);
    ck_assert_str_eq(hcode_verdict_venue_id(v), "370102-000123");
    ck_assert_str_eq(hcode_verdict_venue_name(v), "泉城广场 Quancheng Plaza");
    ck_assert_str_eq(hcode_verdict_venue_region(v), "CN-370102");
    ck_assert_str_eq(hcode_verdict_category(v), "mall");
    ck_assert_int_eq(hcode_verdict_status(v), -1);
    ck_assert_int_eq(hcode_verdict_exp(v), T0 + HCODE_VENUE_TTL_DEFAULT);
    hcode_verdict_free(v);
    hcode_free(p);
}
END_TEST

START_TEST(times_and_skew)
{
    char *p = person(HCODE_GREEN, NULL);
    size_t n = strlen(p);
    ck_assert_int_eq(verdict_at(p, n, T0), HCODE_V_VALID);
    ck_assert_int_eq(verdict_at(p, n, T0 + 86400 + HCODE_DEFAULT_SKEW), HCODE_V_VALID);
    ck_assert_int_eq(verdict_at(p, n, T0 + 86400 + HCODE_DEFAULT_SKEW + 1), HCODE_V_EXPIRED);
    ck_assert_int_eq(verdict_at(p, n, T0 - HCODE_DEFAULT_SKEW), HCODE_V_VALID);
    ck_assert_int_eq(verdict_at(p, n, T0 - HCODE_DEFAULT_SKEW - 1), HCODE_V_NOT_YET_VALID);
    ck_assert_int_eq(hcode_ctx_set_skew(ctx, 0), 0);
    ck_assert_int_eq(verdict_at(p, n, T0 - 1), HCODE_V_NOT_YET_VALID);
    ck_assert_int_eq(verdict_at(p, n, T0 + 86401), HCODE_V_EXPIRED);
    ck_assert_int_eq(hcode_ctx_set_skew(ctx, -1), HCODE_EINVAL);
    hcode_free(p);
}
END_TEST

START_TEST(unknown_issuer_and_colliding_kid)
{
    char *p = person(HCODE_GREEN, NULL);
    hcode_ctx *other;
    hcode_keypair *k2;
    ck_assert_int_eq(hcode_ctx_new(&other), 0);
    ck_assert_int_eq(hcode_keypair_generate(&k2, "CN-110000"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(other, k2), 0);
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(other, p, strlen(p), T0, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_UNKNOWN_ISSUER);
    ck_assert_str_eq(hcode_verdict_error(v), "unknown_issuer");
    hcode_verdict_free(v);

    /* A second trusted key that claims the same kid: both are tried, in
     * either order. */
    hcode__trust_key fake = other->keys[0];
    memcpy(fake.kid, kp->kid, HCODE__KID_BYTES);
    strcpy(fake.region, "CN-370100");
    ck_assert_int_eq(hcode__trust_push(other, &fake), 0);
    ck_assert_int_eq(hcode_verify(other, p, strlen(p), T0, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_BAD_SIGNATURE);
    hcode_verdict_free(v);
    ck_assert_int_eq(hcode_trust_add_keypair(other, kp), 0);
    ck_assert_int_eq(hcode_verify(other, p, strlen(p), T0, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_VALID);
    hcode_verdict_free(v);

    hcode_keypair_free(k2);
    hcode_ctx_free(other);
    hcode_free(p);
}
END_TEST

START_TEST(region_must_match_trusted_key)
{
    char *p = person(HCODE_GREEN, NULL);
    hcode_ctx *other;
    ck_assert_int_eq(hcode_ctx_new(&other), 0);
    uint8_t pk[32];
    hcode_keypair_public_key(kp, pk);
    ck_assert_int_eq(hcode_trust_add_key(other, pk, "CN-110000"), 0);
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(other, p, strlen(p), T0, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_KEY_NOT_PERMITTED);
    hcode_verdict_free(v);
    hcode_ctx_free(other);
    hcode_free(p);
}
END_TEST

START_TEST(every_truncation_rejected)
{
    char *p = person(HCODE_GREEN, NULL);
    size_t n = strlen(p);
    for (size_t i = 0; i < n; i++) {
        int c = verdict_at(p, i, T0);
        ck_assert_msg(c != HCODE_V_VALID, "truncation to %zu accepted", i);
    }
    hcode_free(p);
}
END_TEST

START_TEST(every_byte_change_rejected)
{
    char *p = person(HCODE_RED, NULL);
    size_t n = strlen(p);
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a\x01\xff";
    for (size_t i = 0; i < n; i++) {
        char orig = p[i];
        for (const char *a = alphabet; *a; a++) {
            if (*a == orig)
                continue;
            p[i] = *a;
            int c = verdict_at(p, n, T0);
            ck_assert_msg(c != HCODE_V_VALID, "change at %zu to %02x accepted", i, (unsigned char)*a);
        }
        p[i] = orig;
    }
    ck_assert_int_eq(verdict_at(p, n, T0), HCODE_V_VALID);
    hcode_free(p);
}
END_TEST

/* Every single-bit change of the COSE bytes, re-encoded as valid Base45. */
START_TEST(every_cose_bit_flip_rejected)
{
    char *p = person(HCODE_GREEN, NULL);
    uint8_t cose[HCODE__COSE_MAX];
    size_t n = hcode__base45_decode(cose, p + 5, strlen(p) - 5);
    char txt[HCODE_PAYLOAD_MAX + 1];
    memcpy(txt, "HCP1:", 5);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) {
            cose[i] ^= (uint8_t)(1u << b);
            size_t t = 5 + hcode__base45_encode(txt + 5, cose, n);
            int c = verdict_at(txt, t, T0);
            ck_assert_msg(c != HCODE_V_VALID, "bit %d of byte %zu accepted", b, i);
            cose[i] ^= (uint8_t)(1u << b);
        }
    hcode_free(p);
}
END_TEST

START_TEST(garbage_and_limits)
{
    ck_assert_int_eq(verdict_at("", 0, T0), HCODE_V_MALFORMED);
    ck_assert_int_eq(verdict("HCP1:"), HCODE_V_MALFORMED);
    ck_assert_int_eq(verdict("hello world"), HCODE_V_MALFORMED);
    ck_assert_int_eq(verdict("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE"), HCODE_V_MALFORMED);
    ck_assert_int_eq(verdict("HCV1:AAA"), HCODE_V_MALFORMED);
    size_t big = 64 * 1024;
    char *huge = malloc(big);
    memcpy(huge, "HCP1:", 5);
    memset(huge + 5, 'A', big - 5);
    ck_assert_int_eq(verdict_at(huge, big, T0), HCODE_V_MALFORMED);
    ck_assert_int_eq(verdict_at(huge, HCODE_PAYLOAD_MAX, T0), HCODE_V_MALFORMED);
    free(huge);
    /* random bytes behind a valid prefix */
    uint8_t rnd[400];
    char txt[700];
    memcpy(txt, "HCP1:", 5);
    for (int i = 0; i < 2000; i++) {
        size_t n = 1 + (size_t)randombytes_uniform(sizeof rnd);
        randombytes_buf(rnd, n);
        if (i % 2)
            rnd[0] = 0xd2;
        size_t t = 5 + hcode__base45_encode(txt + 5, rnd, n);
        ck_assert_int_ne(verdict_at(txt, t, T0), HCODE_V_VALID);
    }
    /* NULL handling */
    hcode_verdict *v;
    ck_assert_int_eq(hcode_verify(ctx, NULL, 5, T0, &v), HCODE_EINVAL);
    ck_assert_int_eq(hcode_verify(NULL, "x", 1, T0, &v), HCODE_EINVAL);
    ck_assert_int_eq(hcode_verify(ctx, "x", 1, T0, NULL), HCODE_EINVAL);
}
END_TEST

/* Builds a COSE_Sign1 from parts and signs it honestly with kp, so that
 * the only defect is the one under test. */
static size_t build(uint8_t *out, const uint8_t *prot, size_t plen, const uint8_t *claims, size_t clen,
                    uint8_t tag)
{
    uint8_t tbs[2048];
    size_t n = 0;
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    memcpy(tbs, head, sizeof head);
    n = sizeof head;
    tbs[n++] = (uint8_t)(0x40 | plen);
    memcpy(tbs + n, prot, plen);
    n += plen;
    tbs[n++] = 0x40;
    tbs[n++] = 0x58;
    tbs[n++] = (uint8_t)clen;
    memcpy(tbs + n, claims, clen);
    n += clen;
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, tbs, n, kp->sk);
    size_t o = 0;
    out[o++] = tag;
    out[o++] = 0x84;
    out[o++] = (uint8_t)(0x40 | plen);
    memcpy(out + o, prot, plen);
    o += plen;
    out[o++] = 0xa0;
    out[o++] = 0x58;
    out[o++] = (uint8_t)clen;
    memcpy(out + o, claims, clen);
    o += clen;
    out[o++] = 0x58;
    out[o++] = 64;
    memcpy(out + o, sig, 64);
    return o + 64;
}

static int verdict_cose(const uint8_t *cose, size_t n, const char *prefix)
{
    char txt[HCODE_PAYLOAD_MAX];
    memcpy(txt, prefix, 5);
    size_t t = 5 + hcode__base45_encode(txt + 5, cose, n);
    return verdict_at(txt, t, T0);
}

/* claims map header + iss/exp/iat/cti/kind/status/subject */
static size_t good_claims(uint8_t *c, int dup)
{
    size_t n = 0;
    c[n++] = (uint8_t)(0xa0 | (dup ? 8 : 7));
    c[n++] = 0x01; c[n++] = 0x69; memcpy(c + n, "CN-370100", 9); n += 9;
    c[n++] = 0x04; c[n++] = 0x1a; c[n++] = 0x6a; c[n++] = 0xfe; c[n++] = 0x00; c[n++] = 0x00;
    c[n++] = 0x06; c[n++] = 0x1a; c[n++] = 0x6a; c[n++] = 0xfb; c[n++] = 0x00; c[n++] = 0x00;
    c[n++] = 0x07; c[n++] = 0x48; memset(c + n, 7, 8); n += 8;
    c[n++] = 0x20; c[n++] = 0x01;
    c[n++] = 0x21; c[n++] = dup ? 0x00 : 0x00;
    c[n++] = 0x22; c[n++] = 0x50; memset(c + n, 9, 16); n += 16;
    if (dup) { c[n++] = 0x21; c[n++] = 0x02; } /* status again: red */
    return n;
}

START_TEST(structural_defects)
{
    uint8_t prot[16] = {0xa2, 0x01, 0x27, 0x04, 0x48};
    memcpy(prot + 5, kp->kid, 8);
    uint8_t claims[128], cose[512];
    size_t cl = good_claims(claims, 0);
    /* the honest construction verifies (times: iat 0x6afb0000 = 1794834432) */
    size_t n = build(cose, prot, 13, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_VALID);
    /* wrong prefix for the claims' kind */
    ck_assert_int_eq(verdict_cose(cose, n, "HCV1:"), HCODE_V_MALFORMED);
    /* wrong CBOR tag */
    n = build(cose, prot, 13, claims, cl, 0xd1);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    n = build(cose, prot, 13, claims, cl, 0xd8);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* alg other than EdDSA: ES256 (-7 = 0x26) */
    uint8_t p2[16];
    memcpy(p2, prot, 13);
    p2[2] = 0x26;
    n = build(cose, p2, 13, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* missing kid */
    uint8_t p3[] = {0xa1, 0x01, 0x27};
    n = build(cose, p3, 3, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* duplicate key in protected header */
    uint8_t p4[20] = {0xa3, 0x01, 0x27, 0x04, 0x48};
    memcpy(p4 + 5, kp->kid, 8);
    p4[13] = 0x01; p4[14] = 0x27;
    n = build(cose, p4, 15, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* duplicate claim (status green then red) */
    cl = good_claims(claims, 1);
    n = build(cose, prot, 13, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* missing subject */
    cl = good_claims(claims, 0);
    claims[0] = 0xa6;
    n = build(cose, prot, 13, claims, cl - 18, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* status out of range */
    cl = good_claims(claims, 0);
    claims[cl - 19] = 0x05;
    n = build(cose, prot, 13, claims, cl, 0xd2);
    ck_assert_int_eq(verdict_cose(cose, n, "HCP1:"), HCODE_V_MALFORMED);
    /* trailing byte after the object */
    cl = good_claims(claims, 0);
    n = build(cose, prot, 13, claims, cl, 0xd2);
    cose[n] = 0x00;
    ck_assert_int_eq(verdict_cose(cose, n + 1, "HCP1:"), HCODE_V_MALFORMED);
}
END_TEST

START_TEST(issue_argument_errors)
{
    char *p = (char *)1;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "x", 7, T0, 0, NULL, 0, NULL, &p), HCODE_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_str_ne(hcode_errmsg(ctx), "");
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "", HCODE_GREEN, T0, 0, NULL, 0, NULL, &p), HCODE_EINVAL);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "x", HCODE_GREEN, T0, 0, "bad\x01name", 0, NULL, &p),
                     HCODE_EINVAL);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "x", HCODE_GREEN, T0, 0, "\xff\xfe", 0, NULL, &p),
                     HCODE_EINVAL);
    ck_assert_int_eq(hcode_issue_person(ctx, NULL, "x", HCODE_GREEN, T0, 0, NULL, 0, NULL, &p), HCODE_EINVAL);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "", "n", NULL, NULL, T0, 0, &p), HCODE_EINVAL);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "v", "n", "bad region", NULL, T0, 0, &p), HCODE_EINVAL);
    char longname[HCODE_TEXT_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "v", longname, NULL, NULL, T0, 0, &p), HCODE_EINVAL);
}
END_TEST

START_TEST(person_code_size)
{
    /* A person code without a name fits QR version 10 at ECC Q (221
     * alphanumeric characters) and version 9 at ECC M (272). */
    for (int i = 0; i < 50; i++) {
        char *p = person(HCODE_GREEN, NULL);
        ck_assert_uint_le(strlen(p), 221);
        hcode_free(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("code");
    TCase *tc = tcase_create("code");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, person_round_trip);
    tcase_add_test(tc, identifier_never_in_payload);
    tcase_add_test(tc, venue_round_trip);
    tcase_add_test(tc, times_and_skew);
    tcase_add_test(tc, unknown_issuer_and_colliding_kid);
    tcase_add_test(tc, region_must_match_trusted_key);
    tcase_add_test(tc, every_truncation_rejected);
    tcase_add_test(tc, every_byte_change_rejected);
    tcase_add_test(tc, every_cose_bit_flip_rejected);
    tcase_add_test(tc, garbage_and_limits);
    tcase_add_test(tc, structural_defects);
    tcase_add_test(tc, issue_argument_errors);
    tcase_add_test(tc, person_code_size);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
