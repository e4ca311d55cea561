/* QR figures: render_png_ratio, scan_720p_ms, scan_vs_zxing_ratio (when
 * zxing-cpp is built), robustness rate; camera-like frames come from the
 * frame generator of the test suite. */
#include "bench.h"
#include "framegen.h"
#include "qr-private.h"

#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HCODE_HAVE_ZXING
/* bench-zxing.cpp: zxing-cpp's ReadBarcodes alone (QR only); returns the
 * number of codes read. */
int bench_zxing_read(const uint8_t *px, int w, int h);
#endif

/* ---- render ------------------------------------------------------------- */

typedef struct render_arg {
    const char *payload;
    size_t len;
    hcode_ctx *ctx;
    size_t sink;
} render_arg;

static void ours_render(void *p)
{
    render_arg *a = p;
    uint8_t *out = NULL;
    size_t n = 0;
    if (hcode_qr_render(a->ctx, a->payload, a->len, HCODE_QR_PNG, 8, HCODE_QR_ECC_Q, &out, &n) == 0)
        a->sink += n;
    hcode_free(out);
}

typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static void raw_write(png_structp png, png_bytep d, size_t n)
{
    membuf *b = png_get_io_ptr(png);
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            png_error(png, "oom");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void raw_flush(png_structp png) { (void)png; }

/* The raw way: libqrencode, then a 1-bit grey PNG with libpng, same scale
 * and quiet zone. */
static void raw_render(void *p)
{
    render_arg *a = p;
    const int scale = 8, q = 4;
    QRcode *qr = QRcode_encodeString(a->payload, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
    if (!qr)
        return;
    int side = (qr->width + 2 * q) * scale;
    size_t rb = ((size_t)side + 7) / 8;
    uint8_t *row = malloc(rb);
    membuf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(b.p);
        QRcode_free(qr);
        return;
    }
    png_set_write_fn(png, &b, raw_write, raw_flush);
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < side; y++) {
        memset(row, 0xff, rb);
        int my = y / scale - q;
        if (my >= 0 && my < qr->width)
            for (int x = 0; x < side; x++) {
                int mx = x / scale - q;
                if (mx >= 0 && mx < qr->width && (qr->data[my * qr->width + mx] & 1))
                    row[x >> 3] &= (uint8_t)~(0x80u >> (x & 7));
            }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    a->sink += b.len;
    free(b.p);
    free(row);
    QRcode_free(qr);
}

/* ---- scan ---------------------------------------------------------------- */

static int scan_frames(hcode_ctx *ctx, uint8_t **frames, const fg_code **codes, int n, int64_t at,
                       double *ms)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        hcode_scan_result *r = NULL;
        double t0 = bench_now();
        if (hcode_qr_scan_gray(ctx, frames[i], FG_WIDTH, FG_HEIGHT, FG_WIDTH, at, &r) != 0)
            continue;
        ms[i] = (bench_now() - t0) * 1e3;
        for (size_t k = 0; k < hcode_scan_result_count(r); k++)
            if (hcode_verdict_valid(hcode_scan_result_verdict(r, k)) &&
                !strcmp(hcode_scan_result_payload(r, k), codes[i]->payload)) {
                ok++;
                break;
            }
        hcode_scan_result_free(r);
    }
    return ok;
}

void bench_qr(int quick)
{
    hcode_ctx *ctx;
    if (hcode_ctx_new(&ctx) != 0)
        return;
    const int64_t at = 1790000000;
    enum { NCODES = 8 };
    fg_code codes[NCODES];
    if (fg_codes_make(ctx, NCODES, at, codes) != 0) {
        hcode_ctx_free(ctx);
        return;
    }

    render_arg ra = {codes[0].payload, strlen(codes[0].payload), ctx, 0};
    double ours_rate, raw_rate;
    double ratio = bench_ratio(ours_render, raw_render, &ra, quick ? 200 : 1000, quick ? 5 : 9,
                               &ours_rate, &raw_rate);
    bench_figure("render_png_ratio", ratio, "x");
    bench_figure("render_png_per_s", ours_rate, "ops/s");

    /* camera-like 1280x720 frames, every kind of degradation equally */
    int per_kind = quick ? 6 : 30;
    int n = per_kind * FG_NKINDS;
    uint8_t **frames = calloc((size_t)n, sizeof *frames);
    const fg_code **fc = calloc((size_t)n, sizeof *fc);
    double *ms = calloc((size_t)n, sizeof *ms);
    double *zx = calloc((size_t)n, sizeof *zx);
    int made = 0;
    for (int kind = 0; kind < FG_NKINDS; kind++)
        for (int i = 0; i < per_kind; i++) {
            uint8_t *f = malloc(FG_WIDTH * FG_HEIGHT);
            if (!f)
                break;
            fc[made] = &codes[(kind + i) % NCODES];
            if (fg_frame(fc[made]->img, fc[made]->cw, kind, 5000 + (uint64_t)i, f, NULL) != 0) {
                free(f);
                continue;
            }
            frames[made++] = f;
        }
    /* the gate's steady state is one verdict per new code: the cache is
     * off here so that every frame pays for verification */
    if (hcode_qr_set_cache_window(ctx, 0) != 0)
        made = 0;
    if (made > 0) {
        int ok = scan_frames(ctx, frames, fc, made, at + 60, ms);
        double total_ms = 0;
        for (int i = 0; i < made; i++)
            total_ms += ms[i];
        double *sorted = malloc((size_t)made * sizeof *sorted);
        memcpy(sorted, ms, (size_t)made * sizeof *sorted);
        bench_figure("scan_720p_ms", bench_median(sorted, (size_t)made), "ms");
        bench_figure("scan_720p_p90_ms", sorted[made * 9 / 10], "ms");
        bench_figure("scan_720p_mean_ms", total_ms / made, "ms");
        bench_figure("scan_robustness_rate", (double)ok / made, "fraction");
#ifdef HCODE_HAVE_ZXING
        for (int i = 0; i < made; i++) {
            double t0 = bench_now();
            (void)bench_zxing_read(frames[i], FG_WIDTH, FG_HEIGHT);
            zx[i] = (bench_now() - t0) * 1e3;
        }
        memcpy(sorted, zx, (size_t)made * sizeof *sorted);
        double zmed = bench_median(sorted, (size_t)made);
        memcpy(sorted, ms, (size_t)made * sizeof *sorted);
        bench_figure("scan_vs_zxing_ratio", bench_median(sorted, (size_t)made) / zmed, "x");
        bench_figure("zxing_720p_ms", zmed, "ms");
#endif
        /* the zbar-only build, for comparison */
        if (hcode_qr_set_decoders(ctx, HCODE_QR_DECODER_ZBAR) == 0) {
            int zok = scan_frames(ctx, frames, fc, made, at + 60, ms);
            memcpy(sorted, ms, (size_t)made * sizeof *sorted);
            bench_figure("scan_720p_zbar_only_ms", bench_median(sorted, (size_t)made), "ms");
            bench_figure("scan_robustness_zbar_only_rate", (double)zok / made, "fraction");
        }
        free(sorted);
    }
    for (int i = 0; i < made; i++)
        free(frames[i]);
    free(frames);
    free(fc);
    free(ms);
    free(zx);
    fg_codes_free(codes, NCODES);
    hcode_ctx_free(ctx);
}
