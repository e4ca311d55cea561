/* QR scanning: frames and files, every code with its verdict, foreign
 * codes, binary payloads, the verdict cache, decoders, bounds. */
#include "framegen.h"
#include "qr-private.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hcode_ctx *ctx;
static hcode_keypair *kp;
static const int64_t T0 = 1790000000;

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

static char *person(int status, int64_t ttl)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "370102199003071234", status, T0, ttl, NULL, 0, NULL, &p), 0);
    return p;
}

/* A white canvas with codes pasted at given positions. */
typedef struct canvas {
    uint8_t *px;
    int w, h, stride;
} canvas;

static canvas canvas_new(int w, int h, int stride)
{
    canvas c = {malloc((size_t)stride * (size_t)h), w, h, stride};
    memset(c.px, 255, (size_t)stride * (size_t)h);
    return c;
}

static void paste(canvas *c, const char *payload, size_t len, int scale, int x0, int y0)
{
    uint8_t *px = NULL;
    int w = 0;
    ck_assert_int_eq(hcode_qr_render_gray(ctx, payload, len, scale, -1, &px, &w), 0);
    ck_assert_int_le(x0 + w, c->w);
    ck_assert_int_le(y0 + w, c->h);
    for (int y = 0; y < w; y++)
        memcpy(c->px + (size_t)(y0 + y) * (size_t)c->stride + x0, px + (size_t)y * (size_t)w, (size_t)w);
    hcode_free(px);
}

START_TEST(finds_every_code_with_verdicts)
{
    char *green = person(HCODE_GREEN, 0), *red = person(HCODE_RED, 0);
    /* stride wider than the frame: padding bytes must not matter */
    canvas c = canvas_new(900, 400, 1000);
    memset(c.px, 0, (size_t)c.stride * (size_t)c.h);
    for (int y = 0; y < c.h; y++)
        memset(c.px + (size_t)y * (size_t)c.stride, 255, (size_t)c.w);
    paste(&c, green, strlen(green), 3, 10, 10);
    paste(&c, red, strlen(red), 3, 450, 10);
    const char *foreign = "https://example.com/not-a-health-code";
    paste(&c, foreign, strlen(foreign), 4, 700, 200);
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, c.w, c.h, c.stride, T0 + 10, &r), 0);
    ck_assert_uint_eq(hcode_scan_result_count(r), 3);
    int seen = 0;
    for (size_t i = 0; i < 3; i++) {
        const char *p = hcode_scan_result_payload(r, i);
        const hcode_verdict *v = hcode_scan_result_verdict(r, i);
        if (!strcmp(p, green)) {
            ck_assert_int_eq(hcode_verdict_valid(v), 1);
            ck_assert_int_eq(hcode_verdict_status(v), HCODE_GREEN);
            seen |= 1;
        } else if (!strcmp(p, red)) {
            ck_assert_int_eq(hcode_verdict_valid(v), 1);
            ck_assert_int_eq(hcode_verdict_status(v), HCODE_RED);
            seen |= 2;
        } else {
            ck_assert_str_eq(p, foreign);
            ck_assert_int_eq(hcode_verdict_valid(v), 0);
            ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_MALFORMED);
            char *j = NULL;
            ck_assert_int_eq(hcode_scan_result_to_json(r, i, "gate.png", &j), 0);
            ck_assert_str_eq(j, "{\"image\":\"gate.png\",\"valid\":false,\"error\":\"malformed\","
                                "\"message\":\"unknown payload prefix (expected HCP1:, HCV1: or HCD1:)\","
                                "\"payload\":\"https://example.com/not-a-health-code\"}");
            hcode_free(j);
            seen |= 4;
        }
    }
    ck_assert_int_eq(seen, 7);
    ck_assert_ptr_null(hcode_scan_result_payload(r, 3));
    ck_assert_ptr_null(hcode_scan_result_verdict(r, 3));
    hcode_scan_result_free(r);
    free(c.px);
    hcode_free(green);
    hcode_free(red);
}
END_TEST

START_TEST(empty_frame_and_bounds)
{
    canvas c = canvas_new(320, 240, 320);
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, c.w, c.h, c.stride, T0, &r), 0);
    ck_assert_uint_eq(hcode_scan_result_count(r), 0);
    ck_assert_str_eq(hcode_scan_result_pass(r), "");
    hcode_scan_result_free(r);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, 0, 0, 0, T0, &r), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, 320, 240, 100, T0, &r), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, 100000, 1, 100000, T0, &r), HCODE_ELIMIT);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, NULL, 320, 240, 320, T0, &r), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_scan_gray(NULL, c.px, 320, 240, 320, T0, &r), HCODE_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(hcode_qr_set_time_budget(ctx, 0), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_set_time_budget(ctx, 5), 0);
    ck_assert_int_eq(hcode_qr_set_cache_window(ctx, -1), HCODE_EINVAL);
    free(c.px);
}
END_TEST

START_TEST(binary_payload_kept_exactly)
{
    /* Latin-1 and UTF-8 bytes: without ZBAR_CFG_BINARY zbar would re-encode
     * them through a charset guess. */
    static const char *const texts[] = {"caf\xe9 cr\xe8me", "\xe5\xbc\xa0\xe4\xb8\x89 HCP1:", "\x01\x02\x7f\x80\xff"};
    for (unsigned mask = 1; mask <= hcode_qr_decoders_available(); mask <<= 1) {
        if (!(mask & hcode_qr_decoders_available()))
            continue;
        ck_assert_int_eq(hcode_qr_set_decoders(ctx, mask), 0);
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            canvas c = canvas_new(300, 300, 300);
            paste(&c, texts[i], strlen(texts[i]), 5, 20, 20);
            hcode_scan_result *r = NULL;
            ck_assert_int_eq(hcode_qr_scan_gray(ctx, c.px, c.w, c.h, c.stride, T0, &r), 0);
            ck_assert_uint_eq(hcode_scan_result_count(r), 1);
            ck_assert_uint_eq(hcode_scan_result_payload_len(r, 0), strlen(texts[i]));
            ck_assert_mem_eq(hcode_scan_result_payload(r, 0), texts[i], strlen(texts[i]));
            ck_assert_int_eq(hcode_verdict_code(hcode_scan_result_verdict(r, 0)), HCODE_V_MALFORMED);
            char *j = NULL;
            ck_assert_int_eq(hcode_scan_result_to_json(r, 0, NULL, &j), 0);
            ck_assert_ptr_null(strstr(j, "\"image\""));
            hcode_free(j);
            hcode_scan_result_free(r);
            free(c.px);
        }
    }
    ck_assert_int_eq(hcode_qr_set_decoders(ctx, 0), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_set_decoders(ctx, 0x80), HCODE_EUNSUPPORTED);
    ck_assert(hcode_qr_decoders_available() & HCODE_QR_DECODER_ZBAR);
}
END_TEST

static int scan_code(const canvas *c, int64_t at)
{
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, c->px, c->w, c->h, c->stride, at, &r), 0);
    ck_assert_uint_eq(hcode_scan_result_count(r), 1);
    int code = hcode_verdict_code(hcode_scan_result_verdict(r, 0));
    hcode_scan_result_free(r);
    return code;
}

START_TEST(verdict_cache)
{
    char *p = person(HCODE_YELLOW, 3600);
    canvas c = canvas_new(400, 400, 400);
    paste(&c, p, strlen(p), 4, 20, 20);
    /* valid, then again from the cache */
    ck_assert_int_eq(scan_code(&c, T0 + 3600), HCODE_V_VALID);
    ck_assert_int_eq(scan_code(&c, T0 + 3601), HCODE_V_VALID);
    /* the window counts from the verification, not the last hit: past the
     * expiry (plus skew) the code is verified afresh */
    ck_assert_int_eq(scan_code(&c, T0 + 3600 + 31), HCODE_V_EXPIRED);
    /* a context that does not trust the issuer... */
    hcode_ctx *other;
    ck_assert_int_eq(hcode_ctx_new(&other), 0);
    hcode_ctx *mine = ctx;
    ctx = other;
    ck_assert_int_eq(scan_code(&c, T0 + 10), HCODE_V_UNKNOWN_ISSUER);
    /* ...and trusts it a moment later: the cache must not keep the old verdict */
    ck_assert_int_eq(hcode_trust_add_keypair(other, kp), 0);
    ck_assert_int_eq(scan_code(&c, T0 + 10), HCODE_V_VALID);
    /* skew changes count too */
    ck_assert_int_eq(scan_code(&c, T0 + 3600 + 20), HCODE_V_VALID);
    ck_assert_int_eq(hcode_ctx_set_skew(other, 0), 0);
    ck_assert_int_eq(scan_code(&c, T0 + 3600 + 20), HCODE_V_EXPIRED);
    ctx = mine;
    hcode_ctx_free(other);
    /* with the cache off every frame is verified */
    ck_assert_int_eq(hcode_qr_set_cache_window(ctx, 0), 0);
    ck_assert_int_eq(scan_code(&c, T0 + 5), HCODE_V_VALID);
    hcode_qr_cache_clear(ctx);
    free(c.px);
    hcode_free(p);
}
END_TEST

START_TEST(inverted_and_files)
{
    char *p = person(HCODE_GREEN, 0);
    canvas c = canvas_new(400, 400, 400);
    paste(&c, p, strlen(p), 4, 30, 30);
    for (int i = 0; i < 400 * 400; i++)
        c.px[i] = (uint8_t)(255 - c.px[i]);
    ck_assert_int_eq(scan_code(&c, T0), HCODE_V_VALID);
    /* the same frame as PNG, JPEG and PGM files */
    uint8_t *png, *jpg;
    size_t npng, njpg;
    ck_assert_int_eq(hcode__png_encode_gray(c.px, c.w, c.h, c.stride, &png, &npng), 0);
    ck_assert_int_eq(fg_jpeg_encode(c.px, c.w, c.h, 80, &jpg, &njpg), 0);
    char dir[] = "/tmp/hcode-scan-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *names[3] = {"f.png", "f.jpg", "f.pgm"};
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        if (k == 0)
            fwrite(png, 1, npng, f);
        else if (k == 1)
            fwrite(jpg, 1, njpg, f);
        else {
            fprintf(f, "P5\n%d %d\n255\n", c.w, c.h);
            fwrite(c.px, 1, (size_t)c.w * (size_t)c.h, f);
        }
        fclose(f);
        hcode_scan_result *r = NULL;
        ck_assert_int_eq(hcode_qr_scan_file(ctx, path, T0, &r), 0);
        ck_assert_uint_eq(hcode_scan_result_count(r), 1);
        ck_assert_str_eq(hcode_scan_result_payload(r, 0), p);
        ck_assert_int_eq(hcode_verdict_valid(hcode_scan_result_verdict(r, 0)), 1);
        hcode_scan_result_free(r);
        remove(path);
    }
    remove(dir);
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_file(ctx, "/nonexistent.png", T0, &r), HCODE_EIO);
    ck_assert_int_eq(hcode_qr_scan_image_bytes(ctx, (const uint8_t *)"garbage", 7, T0, &r), HCODE_EIMAGE);
    ck_assert_ptr_null(r);
    free(png);
    free(jpg);
    free(c.px);
    hcode_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qr-scan");
    TCase *tc = tcase_create("scan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, finds_every_code_with_verdicts);
    tcase_add_test(tc, empty_frame_and_bounds);
    tcase_add_test(tc, binary_payload_kept_exactly);
    tcase_add_test(tc, verdict_cache);
    tcase_add_test(tc, inverted_and_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
