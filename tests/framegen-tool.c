/* hcode-framegen: writes camera-like frames of freshly signed codes, or
 * scans them and reports the decode+verify rate per kind of degradation.
 *   hcode-framegen [--frames N] [--seed S] [--decoders zbar|zxing|all] [--write DIR] */
#include "framegen.h"
#include "qr-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int frames = 20;
    uint64_t seed = 1;
    const char *dir = NULL, *dec = "all";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--frames"))
            frames = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--write"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--decoders"))
            dec = argv[i + 1];
        else {
            fprintf(stderr, "usage: %s [--frames N] [--seed S] [--decoders zbar|zxing|all] [--write DIR]\n", argv[0]);
            return 2;
        }
    }
    hcode_ctx *ctx;
    if (hcode_ctx_new(&ctx))
        return 3;
    unsigned mask = !strcmp(dec, "zbar") ? HCODE_QR_DECODER_ZBAR
                    : !strcmp(dec, "zxing") ? HCODE_QR_DECODER_ZXING
                                            : hcode_qr_decoders_available();
    if (hcode_qr_set_decoders(ctx, mask) || hcode_qr_set_cache_window(ctx, 0)) {
        fprintf(stderr, "decoders: %s\n", hcode_errmsg(ctx));
        return 3;
    }
    int64_t at = 1790000000;
    enum { NCODES = 8 };
    fg_code codes[NCODES];
    if (fg_codes_make(ctx, NCODES, at, codes))
        return 3;
    uint8_t *frame = malloc(FG_WIDTH * FG_HEIGHT);
    double *times = malloc(sizeof(double) * (size_t)frames * FG_NKINDS);
    int total_ok = 0, total = 0;
    char pass_name[32][48];
    int pass_hits[32] = {0}, npass = 0;
    for (int kind = 0; kind < FG_NKINDS; kind++) {
        int ok = 0;
        for (int i = 0; i < frames; i++) {
            const fg_code *c = &codes[i % NCODES];
            fg_params p;
            fg_frame(c->img, c->cw, kind, seed + (uint64_t)i, frame, &p);
            if (dir) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s-%03d.png", dir, fg_kind_name(kind), i);
                uint8_t *jpg;
                size_t n;
                if (!hcode__png_encode_gray(frame, FG_WIDTH, FG_HEIGHT, FG_WIDTH, &jpg, &n)) {
                    FILE *f = fopen(path, "wb");
                    if (f) {
                        fwrite(jpg, 1, n, f);
                        fclose(f);
                    }
                    free(jpg);
                }
            }
            hcode_scan_result *r = NULL;
            double t0 = now_ms();
            if (hcode_qr_scan_gray(ctx, frame, FG_WIDTH, FG_HEIGHT, FG_WIDTH, at + 60, &r))
                return 3;
            times[total] = now_ms() - t0;
            int good = 0;
            for (size_t k = 0; k < hcode_scan_result_count(r); k++)
                if (hcode_verdict_valid(hcode_scan_result_verdict(r, k)) &&
                    !strcmp(hcode_scan_result_payload(r, k), c->payload))
                    good = 1;
            if (!good)
                printf("  miss %s #%d angle=%.0f ppm=%.1f key=%.2f blur=%.1f contrast=%.2f light=%.2f noise=%.0f q=%d\n",
                       fg_kind_name(kind), i, p.angle, p.ppm, p.keystone, p.blur, p.contrast, p.light,
                       p.noise, p.jpeg_quality);
            ok += good;
            if (good) {
                const char *pn = hcode_scan_result_pass(r);
                int j = 0;
                while (j < npass && strcmp(pass_name[j], pn))
                    j++;
                if (j == npass && npass < 32)
                    snprintf(pass_name[npass++], sizeof pass_name[0], "%s", pn);
                if (j < 32)
                    pass_hits[j]++;
            }
            total++;
            hcode_scan_result_free(r);
        }
        total_ok += ok;
        printf("%-9s %3d/%3d\n", fg_kind_name(kind), ok, frames);
    }
    qsort(times, (size_t)total, sizeof *times, cmp_d);
    printf("total %d/%d = %.1f%%  median %.2f ms  p90 %.2f ms  max %.2f ms\n", total_ok, total,
           100.0 * total_ok / total, times[total / 2], times[total * 9 / 10], times[total - 1]);
    for (int j = 0; j < npass; j++)
        printf("pass %-28s %d\n", pass_name[j], pass_hits[j]);
    fg_codes_free(codes, NCODES);
    free(frame);
    free(times);
    hcode_ctx_free(ctx);
    return 0;
}
