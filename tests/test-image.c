/* Image loading: PNG, JPEG, PGM into grey; bounds and bad input. */
#include "framegen.h"
#include "qr-private.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static hcode_ctx *ctx;

static void setup(void) { ck_assert_int_eq(hcode_ctx_new(&ctx), 0); }
static void teardown(void) { hcode_ctx_free(ctx); }

static int decode(const void *p, size_t n, hcode__gray *g)
{
    memset(g, 0xa5, sizeof *g);
    int rc = hcode__image_decode(ctx, p, n, g);
    if (rc)
        ck_assert_ptr_null(g->px); /* nothing half-made is handed out */
    return rc;
}

static void sample(uint8_t *px, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = (uint8_t)((x * 7 + y * 13) & 0xff);
}

START_TEST(pgm_binary_and_ascii)
{
    hcode__gray g;
    const char p5[] = "P5\n# comment\n3 2\n255\n\x00\x10\x20\x30\x40\xff";
    ck_assert_int_eq(decode(p5, sizeof p5 - 1, &g), 0);
    ck_assert_int_eq(g.width, 3);
    ck_assert_int_eq(g.height, 2);
    ck_assert_int_eq(g.px[1], 0x10);
    ck_assert_int_eq(g.px[5], 0xff);
    free(g.px);
    const char p2[] = "P2 2 2 15\n0 15\n 7 # half\n 8\n";
    ck_assert_int_eq(decode(p2, sizeof p2 - 1, &g), 0);
    ck_assert_int_eq(g.px[0], 0);
    ck_assert_int_eq(g.px[1], 255);
    ck_assert_int_eq(g.px[2], 119);
    ck_assert_int_eq(g.px[3], 136);
    free(g.px);
    const char p16[] = "P5 2 1 65535\n\xff\xff\x80\x00";
    ck_assert_int_eq(decode(p16, sizeof p16 - 1, &g), 0);
    ck_assert_int_eq(g.px[0], 255);
    ck_assert_int_eq(g.px[1], 128);
    free(g.px);
}
END_TEST

START_TEST(pgm_bad)
{
    hcode__gray g;
    /* a header that lies about the size: 1000x1000 but 6 pixels */
    const char liar[] = "P5\n1000 1000\n255\n\x00\x10\x20\x30\x40\xff";
    ck_assert_int_eq(decode(liar, sizeof liar - 1, &g), HCODE_EIMAGE);
    const char liar2[] = "P2\n100 100\n255\n1 2 3\n";
    ck_assert_int_eq(decode(liar2, sizeof liar2 - 1, &g), HCODE_EIMAGE);
    const char zero[] = "P5\n0 0\n255\n";
    ck_assert_int_eq(decode(zero, sizeof zero - 1, &g), HCODE_EIMAGE);
    const char huge[] = "P5\n100000 100000\n255\n\x00";
    ck_assert_int_eq(decode(huge, sizeof huge - 1, &g), HCODE_ELIMIT);
    const char vast[] = "P5\n99999999999999999999999 1\n255\n\x00";
    ck_assert_int_eq(decode(vast, sizeof vast - 1, &g), HCODE_ELIMIT);
    const char maxval0[] = "P5 1 1 0\n\x00";
    ck_assert_int_eq(decode(maxval0, sizeof maxval0 - 1, &g), HCODE_EIMAGE);
    const char big_sample[] = "P2 1 1 15\n16\n";
    ck_assert_int_eq(decode(big_sample, sizeof big_sample - 1, &g), HCODE_EIMAGE);
    const char nohdr[] = "P5 ";
    ck_assert_int_eq(decode(nohdr, sizeof nohdr - 1, &g), HCODE_EIMAGE);
}
END_TEST

static void png_of(int w, int h, uint8_t **out, size_t *n)
{
    uint8_t *px = malloc((size_t)w * (size_t)h);
    sample(px, w, h);
    ck_assert_int_eq(hcode__png_encode_gray(px, w, h, w, out, n), 0);
    free(px);
}

/* Rewrites the IHDR's size and its CRC. */
static void png_set_ihdr_size(uint8_t *png, uint32_t w, uint32_t h)
{
    uint8_t *ihdr = png + 8 + 4; /* after signature and length */
    ck_assert_int_eq(memcmp(ihdr, "IHDR", 4), 0);
    uint8_t *d = ihdr + 4;
    d[0] = (uint8_t)(w >> 24); d[1] = (uint8_t)(w >> 16); d[2] = (uint8_t)(w >> 8); d[3] = (uint8_t)w;
    d[4] = (uint8_t)(h >> 24); d[5] = (uint8_t)(h >> 16); d[6] = (uint8_t)(h >> 8); d[7] = (uint8_t)h;
    uint32_t crc = (uint32_t)crc32(0, ihdr, 4 + 13);
    uint8_t *c = ihdr + 4 + 13;
    c[0] = (uint8_t)(crc >> 24); c[1] = (uint8_t)(crc >> 16); c[2] = (uint8_t)(crc >> 8); c[3] = (uint8_t)crc;
}

START_TEST(png_round_trip_and_bad)
{
    uint8_t *png;
    size_t n;
    hcode__gray g;
    png_of(37, 21, &png, &n);
    ck_assert_int_eq(decode(png, n, &g), 0);
    ck_assert_int_eq(g.width, 37);
    ck_assert_int_eq(g.height, 21);
    uint8_t want[37 * 21];
    sample(want, 37, 21);
    ck_assert_mem_eq(g.px, want, sizeof want);
    free(g.px);
    /* truncated at every tenth byte */
    for (size_t cut = 0; cut < n; cut += 10)
        ck_assert_int_eq(decode(png, cut, &g), HCODE_EIMAGE);
    /* corrupt data: a flipped byte in the compressed stream fails its CRC */
    uint8_t *bad = malloc(n);
    memcpy(bad, png, n);
    bad[n / 2] ^= 0x5a;
    ck_assert_int_eq(decode(bad, n, &g), HCODE_EIMAGE);
    /* 0x0 and 100000x100000 headers (with valid CRCs) */
    memcpy(bad, png, n);
    png_set_ihdr_size(bad, 0, 0);
    ck_assert_int_eq(decode(bad, n, &g), HCODE_EIMAGE);
    png_set_ihdr_size(bad, 100000, 100000);
    ck_assert_int_eq(decode(bad, n, &g), HCODE_ELIMIT);
    png_set_ihdr_size(bad, 8193, 1);
    ck_assert_int_eq(decode(bad, n, &g), HCODE_ELIMIT);
    /* a header claiming more rows than the data holds */
    png_set_ihdr_size(bad, 37, 4000);
    ck_assert_int_eq(decode(bad, n, &g), HCODE_EIMAGE);
    free(bad);
    hcode_free(png);
}
END_TEST

START_TEST(png_colour_and_alpha)
{
    /* a palette PNG from the renderer: red modules become mid grey */
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    char *p;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "X1", HCODE_RED, 1790000000, 0, NULL, 0, NULL, &p), 0);
    uint8_t *png;
    size_t n;
    ck_assert_int_eq(hcode_qr_render(ctx, p, strlen(p), HCODE_QR_PNG, 1, -1, &png, &n), 0);
    hcode__gray g;
    ck_assert_int_eq(decode(png, n, &g), 0);
    ck_assert_int_eq(g.px[0], 255);
    int dark = g.px[HCODE_QR_QUIET * g.stride + HCODE_QR_QUIET];
    ck_assert_int_gt(dark, 40);
    ck_assert_int_lt(dark, 120);
    free(g.px);
    hcode_free(png);
    hcode_free(p);
    hcode_keypair_free(kp);
}
END_TEST

static void jpeg_of(int w, int h, int q, uint8_t **out, size_t *n)
{
    uint8_t *px = malloc((size_t)w * (size_t)h);
    sample(px, w, h);
    ck_assert_int_eq(fg_jpeg_encode(px, w, h, q, out, n), 0);
    free(px);
}

START_TEST(jpeg_round_trip_and_bad)
{
    uint8_t *jpg;
    size_t n;
    hcode__gray g;
    jpeg_of(64, 48, 95, &jpg, &n);
    ck_assert_int_eq(decode(jpg, n, &g), 0);
    ck_assert_int_eq(g.width, 64);
    ck_assert_int_eq(g.height, 48);
    uint8_t want[64 * 48];
    sample(want, 64, 48);
    int maxdiff = 0;
    for (int i = 0; i < 64 * 48; i++) {
        int d = abs(g.px[i] - want[i]);
        maxdiff = d > maxdiff ? d : maxdiff;
    }
    ck_assert_int_lt(maxdiff, 64); /* lossy, but the same picture */
    free(g.px);
    for (size_t cut = 0; cut < n - 2; cut += 17)
        ck_assert_int_eq(decode(jpg, cut, &g), HCODE_EIMAGE);
    /* SOF claiming 60000x60000, and 0x0 */
    uint8_t *bad = malloc(n);
    memcpy(bad, jpg, n);
    uint8_t *sof = NULL;
    for (size_t i = 2; i + 9 < n; i++)
        if (bad[i] == 0xff && bad[i + 1] == 0xc0) {
            sof = bad + i;
            break;
        }
    ck_assert_ptr_nonnull(sof);
    sof[5] = 0xea; sof[6] = 0x60; sof[7] = 0xea; sof[8] = 0x60;
    ck_assert_int_eq(decode(bad, n, &g), HCODE_ELIMIT);
    sof[5] = 0; sof[6] = 0; sof[7] = 0; sof[8] = 0;
    ck_assert_int_eq(decode(bad, n, &g), HCODE_EIMAGE);
    free(bad);
    free(jpg);
}
END_TEST

START_TEST(random_bytes_and_files)
{
    hcode__gray g;
    uint8_t buf[4096];
    uint64_t s = 42;
    for (int iter = 0; iter < 300; iter++) {
        size_t n = (size_t)(iter * 13) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = (uint8_t)(s >> 33);
        }
        /* also with each format's magic in front */
        if (iter % 4 == 1 && n >= 8)
            memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
        if (iter % 4 == 2 && n >= 3)
            memcpy(buf, "\xff\xd8\xff", 3);
        if (iter % 4 == 3 && n >= 3)
            memcpy(buf, "P5 ", 3);
        int rc = decode(buf, n, &g);
        ck_assert(rc == HCODE_EIMAGE || rc == HCODE_ELIMIT || rc == 0);
        if (rc == 0)
            free(g.px);
    }
    ck_assert_int_eq(decode("", 0, &g), HCODE_EIMAGE);
    ck_assert_int_eq(hcode__image_load_file(ctx, "/nonexistent/x.png", &g), HCODE_EIO);
    ck_assert_int_eq(hcode__image_load_file(ctx, "/", &g), HCODE_EIO);
    char path[] = "/tmp/hcode-test-image-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "P5 2 1 255\n\x00\xff", 13), 13);
    close(fd);
    ck_assert_int_eq(hcode__image_load_file(ctx, path, &g), 0);
    ck_assert_int_eq(g.px[1], 255);
    free(g.px);
    unlink(path);
    /* the public scan calls pass the loader's errors through */
    hcode_scan_result *r = (hcode_scan_result *)1;
    const char huge[] = "P5\n100000 100000\n255\n\x00";
    ck_assert_int_eq(hcode_qr_scan_image_bytes(ctx, (const uint8_t *)huge, sizeof huge - 1, HCODE_NOW, &r),
                     HCODE_ELIMIT);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(hcode_errmsg(ctx), "100000"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("image");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, pgm_binary_and_ascii);
    tcase_add_test(tc, pgm_bad);
    tcase_add_test(tc, png_round_trip_and_bad);
    tcase_add_test(tc, png_colour_and_alpha);
    tcase_add_test(tc, jpeg_round_trip_and_bad);
    tcase_add_test(tc, random_bytes_and_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
