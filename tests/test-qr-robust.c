/* Robustness floor: camera-like frames of our own codes (rotation, blur,
 * JPEG, low contrast, uneven light, noise, keystone, inverted, small codes
 * in clutter), a fixed seeded set, decoded and verified. */
#include "framegen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES_PER_KIND 16
#define NCODES 8

START_TEST(decode_and_verify_floor)
{
    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_qr_set_cache_window(ctx, 0), 0);
    /* this test measures what the passes can read, not how fast (that is
     * the benchmark's scan_720p_ms): a loaded or sanitizer-slowed machine
     * must not cut passes short */
    ck_assert_int_eq(hcode_qr_set_time_budget(ctx, 10000), 0);
    const int64_t at = 1790000000;
    fg_code codes[NCODES];
    ck_assert_int_eq(fg_codes_make(ctx, NCODES, at, codes), 0);
    uint8_t *frame = malloc(FG_WIDTH * FG_HEIGHT);
    int ok = 0, total = 0;
    for (int kind = 0; kind < FG_NKINDS; kind++) {
        int k_ok = 0;
        for (int i = 0; i < FRAMES_PER_KIND; i++) {
            const fg_code *c = &codes[(kind + i) % NCODES];
            ck_assert_int_eq(fg_frame(c->img, c->cw, kind, 1000 + (uint64_t)i, frame, NULL), 0);
            hcode_scan_result *r = NULL;
            ck_assert_int_eq(hcode_qr_scan_gray(ctx, frame, FG_WIDTH, FG_HEIGHT, FG_WIDTH, at + 60, &r), 0);
            for (size_t k = 0; k < hcode_scan_result_count(r); k++)
                if (hcode_verdict_valid(hcode_scan_result_verdict(r, k)) &&
                    !strcmp(hcode_scan_result_payload(r, k), c->payload)) {
                    k_ok++;
                    break;
                }
            hcode_scan_result_free(r);
            total++;
        }
        printf("%-9s %d/%d\n", fg_kind_name(kind), k_ok, FRAMES_PER_KIND);
        ok += k_ok;
    }
    double rate = (double)ok / total;
    printf("robustness %.3f (%d/%d), decoders 0x%x\n", rate, ok, total, hcode_qr_decoders_available());
    /* zxing-cpp reads keystoned codes that zbar cannot; a zbar-only build
     * has a lower floor */
    double floor = (hcode_qr_decoders_available() & HCODE_QR_DECODER_ZXING) ? 0.97 : 0.90;
    ck_assert_msg(rate >= floor, "robustness %.3f below %.2f", rate, floor);
    free(frame);
    fg_codes_free(codes, NCODES);
    hcode_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qr-robust");
    TCase *tc = tcase_create("robust");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, decode_and_verify_floor);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
