/* Base45 (RFC 9285): test vectors and round trips. */
#include "hcode-private.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void enc_is(const char *in, const char *want)
{
    char out[256];
    size_t n = hcode__base45_encode(out, (const uint8_t *)in, strlen(in));
    out[n] = '\0';
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(n, hcode__base45_encoded_len(strlen(in)));
    uint8_t back[256];
    size_t m = hcode__base45_decode(back, want, strlen(want));
    ck_assert_uint_eq(m, strlen(in));
    ck_assert_mem_eq(back, in, m);
}

START_TEST(rfc_vectors)
{
    enc_is("AB", "BB8");
    enc_is("Hello!!", "%69 VD92EX0");
    enc_is("base-45", "UJCLQE7W581");
    enc_is("ietf!", "QED8WEX0");
    enc_is("", "");
}
END_TEST

START_TEST(rejects_bad_input)
{
    uint8_t out[16];
    ck_assert_uint_eq(hcode__base45_decode(out, "GGW", 3), (size_t)-1);   /* 65536+ */
    ck_assert_uint_eq(hcode__base45_decode(out, "ZZZZZZ", 6), (size_t)-1);
    ck_assert_uint_eq(hcode__base45_decode(out, "A", 1), (size_t)-1);     /* 1 mod 3 */
    ck_assert_uint_eq(hcode__base45_decode(out, "aB8", 3), (size_t)-1);   /* lower case */
    ck_assert_uint_eq(hcode__base45_decode(out, "::", 2), (size_t)-1);    /* 2024 > 255 */
}
END_TEST

START_TEST(round_trip_random)
{
    uint8_t in[300], back[300];
    char txt[460];
    srand(7);
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)rand() % sizeof in;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)rand();
        size_t t = hcode__base45_encode(txt, in, n);
        ck_assert_uint_eq(hcode__base45_decode(back, txt, t), n);
        ck_assert_mem_eq(back, in, n);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base45");
    TCase *tc = tcase_create("base45");
    tcase_add_test(tc, rfc_vectors);
    tcase_add_test(tc, rejects_bad_input);
    tcase_add_test(tc, round_trip_random);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
