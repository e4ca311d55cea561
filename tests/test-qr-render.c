/* QR rendering: module matrix, PNG/SVG/text, status colours, bounds. */
#include "qr-private.h"

#include <check.h>
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

static char *person(int status)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "370102199003071234", status, T0, 0, NULL, 0, NULL, &p), 0);
    return p;
}

static char *venue(void)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "370102-000123", "Quancheng Square", NULL, "mall", T0, 0, &p), 0);
    return p;
}

/* The 7x7 finder pattern at module (x0, y0). */
static void assert_finder(const uint8_t *m, int size, int x0, int y0)
{
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 7; x++) {
            int ring = x == 0 || y == 0 || x == 6 || y == 6;
            int core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            ck_assert_int_eq(m[(y0 + y) * size + x0 + x], ring || core);
        }
}

START_TEST(matrix_shape)
{
    char *p = person(HCODE_GREEN);
    uint8_t *m = NULL;
    int size = 0;
    ck_assert_int_eq(hcode_qr_matrix(ctx, p, strlen(p), -1, &m, &size), 0);
    ck_assert_int_ge(size, 21);
    ck_assert_int_eq((size - 17) % 4, 0);
    for (int i = 0; i < size * size; i++)
        ck_assert(m[i] == 0 || m[i] == 1);
    assert_finder(m, size, 0, 0);
    assert_finder(m, size, size - 7, 0);
    assert_finder(m, size, 0, size - 7);
    /* H needs more modules than Q, L fewer */
    uint8_t *mh = NULL, *ml = NULL;
    int sh = 0, sl = 0;
    ck_assert_int_eq(hcode_qr_matrix(ctx, p, strlen(p), HCODE_QR_ECC_H, &mh, &sh), 0);
    ck_assert_int_eq(hcode_qr_matrix(ctx, p, strlen(p), HCODE_QR_ECC_L, &ml, &sl), 0);
    ck_assert_int_gt(sh, size);
    ck_assert_int_lt(sl, size);
    hcode_free(m);
    hcode_free(mh);
    hcode_free(ml);
    hcode_free(p);
}
END_TEST

START_TEST(status_colours)
{
    char *g = person(HCODE_GREEN), *y = person(HCODE_YELLOW), *r = person(HCODE_RED), *v = venue();
    ck_assert_uint_eq(hcode_qr_colour(g, strlen(g)), 0x00a651);
    ck_assert_uint_eq(hcode_qr_colour(y, strlen(y)), 0xcc9a00);
    ck_assert_uint_eq(hcode_qr_colour(r, strlen(r)), 0xd7191c);
    ck_assert_uint_eq(hcode_qr_colour(v, strlen(v)), 0);
    ck_assert_uint_eq(hcode_qr_colour("hello", 5), 0);
    ck_assert_uint_eq(hcode_qr_colour("HCP1:AAAA", 9), 0);
    /* colour comes from the claims even when no key is trusted */
    hcode_ctx *bare;
    ck_assert_int_eq(hcode_ctx_new(&bare), 0);
    uint8_t *png = NULL;
    size_t n = 0;
    ck_assert_int_eq(hcode_qr_render(bare, r, strlen(r), HCODE_QR_PNG, 2, -1, &png, &n), 0);
    /* palette: white, then the module colour */
    uint8_t *plte = memmem(png, n, "PLTE", 4);
    ck_assert_ptr_nonnull(plte);
    static const uint8_t want[6] = {255, 255, 255, 0xd7, 0x19, 0x1c};
    ck_assert_mem_eq(plte + 4, want, 6);
    hcode_free(png);
    char *svg = NULL;
    ck_assert_int_eq(hcode_qr_render(bare, g, strlen(g), HCODE_QR_SVG, 4, -1, (uint8_t **)&svg, &n), 0);
    ck_assert_ptr_nonnull(strstr(svg, "fill=\"#00a651\""));
    hcode_free(svg);
    ck_assert_int_eq(hcode_qr_render(bare, v, strlen(v), HCODE_QR_SVG, 4, -1, (uint8_t **)&svg, &n), 0);
    ck_assert_ptr_nonnull(strstr(svg, "fill=\"#000000\""));
    hcode_free(svg);
    hcode_ctx_free(bare);
    hcode_free(g);
    hcode_free(y);
    hcode_free(r);
    hcode_free(v);
}
END_TEST

START_TEST(png_geometry_and_quiet_zone)
{
    char *p = venue();
    uint8_t *m = NULL, *png = NULL;
    int size = 0;
    size_t n = 0;
    ck_assert_int_eq(hcode_qr_matrix(ctx, p, strlen(p), -1, &m, &size), 0);
    ck_assert_int_eq(hcode_qr_render(ctx, p, strlen(p), HCODE_QR_PNG, 3, -1, &png, &n), 0);
    hcode__gray g;
    ck_assert_int_eq(hcode__image_decode(ctx, png, n, &g), 0);
    ck_assert_int_eq(g.width, (size + 2 * HCODE_QR_QUIET) * 3);
    ck_assert_int_eq(g.height, g.width);
    /* every pixel matches its module; the quiet zone is white */
    for (int y = 0; y < g.height; y++)
        for (int x = 0; x < g.width; x++) {
            int mx = x / 3 - HCODE_QR_QUIET, my = y / 3 - HCODE_QR_QUIET;
            int dark = mx >= 0 && my >= 0 && mx < size && my < size && m[my * size + mx];
            ck_assert_int_eq(g.px[y * g.stride + x], dark ? 0 : 255);
        }
    free(g.px);
    hcode_free(png);
    /* the grey render is the same picture */
    uint8_t *px = NULL;
    int w = 0;
    ck_assert_int_eq(hcode_qr_render_gray(ctx, p, strlen(p), 2, -1, &px, &w), 0);
    ck_assert_int_eq(w, (size + 8) * 2);
    ck_assert_int_eq(px[0], 255);
    ck_assert_int_eq(px[(4 * 2) * w + 4 * 2], 0); /* top-left finder corner */
    hcode_free(px);
    hcode_free(m);
    hcode_free(p);
}
END_TEST

START_TEST(text_half_blocks)
{
    uint8_t *m = NULL, *txt = NULL;
    int size = 0;
    size_t n = 0;
    const char *p = "HCV1:EXAMPLE";
    ck_assert_int_eq(hcode_qr_matrix(ctx, p, strlen(p), -1, &m, &size), 0);
    ck_assert_int_eq(hcode_qr_render(ctx, p, strlen(p), HCODE_QR_TXT, 0, -1, &txt, &n), 0);
    ck_assert_uint_eq(strlen((char *)txt), n);
    int side = size + 2 * HCODE_QR_QUIET, lines = 0;
    for (char *line = (char *)txt, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        /* count code points: each cell is one */
        int cells = 0;
        for (char *c = line; c < nl; c++)
            cells += ((unsigned char)*c & 0xc0) != 0x80;
        ck_assert_int_eq(cells, side);
        lines++;
    }
    ck_assert_int_eq(lines, (side + 1) / 2);
    /* first line is quiet zone: all full blocks (light) */
    ck_assert_int_eq(memcmp(txt, "\xe2\x96\x88\xe2\x96\x88", 6), 0);
    hcode_free(txt);
    hcode_free(m);
}
END_TEST

START_TEST(rejects_bad_arguments)
{
    uint8_t *out = NULL, *m = NULL;
    size_t n = 0;
    int size = 0;
    char big[HCODE_PAYLOAD_MAX + 2];
    ck_assert_int_eq(hcode_qr_render(ctx, "", 0, HCODE_QR_PNG, 4, -1, &out, &n), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_render(ctx, "HCV1:A", 6, 7, 4, -1, &out, &n), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_render(ctx, "HCV1:A", 6, HCODE_QR_PNG, 65, -1, &out, &n), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_render(ctx, "HCV1:A", 6, HCODE_QR_PNG, -1, -1, &out, &n), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_render(ctx, "HCV1:A", 6, HCODE_QR_PNG, 4, 9, &out, &n), HCODE_EINVAL);
    ck_assert_int_eq(hcode_qr_render(ctx, "A\0B", 3, HCODE_QR_PNG, 4, -1, &out, &n), HCODE_EINVAL);
    ck_assert_ptr_null(out);
    memset(big, 'A', sizeof big);
    ck_assert_int_eq(hcode_qr_render(ctx, big, sizeof big, HCODE_QR_PNG, 4, -1, &out, &n), HCODE_ELIMIT);
    /* fits the payload bound but not a QR code at level H (max 1852 alnum) */
    ck_assert_int_eq(hcode_qr_matrix(ctx, big, 3000, HCODE_QR_ECC_H, &m, &size), HCODE_ELIMIT);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hcode_qr_format_parse("svg"), HCODE_QR_SVG);
    ck_assert_int_eq(hcode_qr_format_parse("gif"), -1);
    ck_assert_int_eq(hcode_qr_ecc_parse("h"), HCODE_QR_ECC_H);
    ck_assert_int_eq(hcode_qr_ecc_parse("X"), -1);
    ck_assert_int_eq(hcode_qr_ecc_parse("QQ"), -1);
}
END_TEST

START_TEST(render_scan_round_trip)
{
    char *p[4] = {person(HCODE_GREEN), person(HCODE_YELLOW), person(HCODE_RED), venue()};
    for (int i = 0; i < 4; i++)
        for (int ecc = HCODE_QR_ECC_Q; ecc <= HCODE_QR_ECC_H; ecc++) {
            uint8_t *png = NULL;
            size_t n = 0;
            ck_assert_int_eq(hcode_qr_render(ctx, p[i], strlen(p[i]), HCODE_QR_PNG, 3, ecc, &png, &n), 0);
            hcode_scan_result *r = NULL;
            ck_assert_int_eq(hcode_qr_scan_image_bytes(ctx, png, n, T0 + 60, &r), 0);
            ck_assert_uint_eq(hcode_scan_result_count(r), 1);
            ck_assert_str_eq(hcode_scan_result_payload(r, 0), p[i]);
            const hcode_verdict *v = hcode_scan_result_verdict(r, 0);
            ck_assert_int_eq(hcode_verdict_valid(v), 1);
            if (i < 3)
                ck_assert_int_eq(hcode_verdict_status(v), i);
            hcode_scan_result_free(r);
            hcode_free(png);
        }
    for (int i = 0; i < 4; i++)
        hcode_free(p[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qr-render");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, matrix_shape);
    tcase_add_test(tc, status_colours);
    tcase_add_test(tc, png_geometry_and_quiet_zone);
    tcase_add_test(tc, text_half_blocks);
    tcase_add_test(tc, rejects_bad_arguments);
    tcase_add_test(tc, render_scan_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
