/* Camera-like frames made from our own rendered codes. */
#include "framegen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

const char *fg_kind_name(int kind)
{
    static const char *const names[FG_NKINDS] = {"clean", "blur", "jpeg", "contrast", "light",
                                                 "noise", "keystone", "inverted", "small"};
    return kind >= 0 && kind < FG_NKINDS ? names[kind] : "?";
}

/* ---- deterministic randomness (splitmix64) ------------------------------ */

typedef struct rng { uint64_t s; } rng;

static uint64_t rnext(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double runi(rng *r) { return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0); }
static double rrange(rng *r, double a, double b) { return a + (b - a) * runi(r); }
static int rint_(rng *r, int a, int b) { return a + (int)(rnext(r) % (uint64_t)(b - a + 1)); }

static double rgauss(rng *r)
{
    double u = runi(r), v = runi(r);
    if (u < 1e-12)
        u = 1e-12;
    return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

/* ---- drawing helpers ------------------------------------------------------ */

static void fill_rect(uint8_t *f, int x0, int y0, int w, int h, uint8_t v)
{
    for (int y = y0; y < y0 + h; y++) {
        if (y < 0 || y >= FG_HEIGHT)
            continue;
        for (int x = x0; x < x0 + w; x++)
            if (x >= 0 && x < FG_WIDTH)
                f[(size_t)y * FG_WIDTH + (size_t)x] = v;
    }
}

/* A cluttered scene: gradient wall, boxes, stripes, text-like specks. */
static void background(uint8_t *f, rng *r)
{
    int a = rint_(r, 90, 200), b = rint_(r, 60, 220);
    for (int y = 0; y < FG_HEIGHT; y++)
        for (int x = 0; x < FG_WIDTH; x++)
            f[(size_t)y * FG_WIDTH + (size_t)x] =
                (uint8_t)(a + (b - a) * (x + y) / (FG_WIDTH + FG_HEIGHT));
    for (int i = 0; i < 25; i++)
        fill_rect(f, rint_(r, -100, FG_WIDTH), rint_(r, -100, FG_HEIGHT), rint_(r, 20, 300),
                  rint_(r, 20, 250), (uint8_t)rint_(r, 0, 255));
    for (int i = 0; i < 6; i++) { /* stripes */
        int x0 = rint_(r, 0, FG_WIDTH - 200), y0 = rint_(r, 0, FG_HEIGHT - 100);
        int period = rint_(r, 3, 12);
        for (int k = 0; k < 20; k++)
            fill_rect(f, x0 + k * period, y0, period / 2 + 1, rint_(r, 30, 100), (uint8_t)rint_(r, 0, 80));
    }
    for (int i = 0; i < 1500; i++) /* text-like specks */
        fill_rect(f, rint_(r, 0, FG_WIDTH), rint_(r, 0, FG_HEIGHT), rint_(r, 1, 5), rint_(r, 2, 8),
                  (uint8_t)rint_(r, 0, 60));
}

static void gaussian_blur(uint8_t *f, int w, int h, double sigma)
{
    if (sigma < 0.2)
        return;
    int rad = (int)ceil(3 * sigma);
    int k[64];
    int sum = 0;
    for (int i = -rad; i <= rad; i++) {
        k[i + rad] = (int)lround(1024.0 * exp(-(i * i) / (2 * sigma * sigma)));
        sum += k[i + rad];
    }
    uint8_t *tmp = malloc((size_t)(w > h ? w : h));
    if (!tmp)
        return;
    for (int y = 0; y < h; y++) {
        uint8_t *row = f + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            int acc = 0;
            for (int i = -rad; i <= rad; i++) {
                int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                acc += k[i + rad] * row[xx];
            }
            tmp[x] = (uint8_t)((acc + sum / 2) / sum);
        }
        memcpy(row, tmp, (size_t)w);
    }
    for (int x = 0; x < w; x++) {
        for (int y = 0; y < h; y++) {
            int acc = 0;
            for (int i = -rad; i <= rad; i++) {
                int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                acc += k[i + rad] * f[(size_t)yy * (size_t)w + (size_t)x];
            }
            tmp[y] = (uint8_t)((acc + sum / 2) / sum);
        }
        for (int y = 0; y < h; y++)
            f[(size_t)y * (size_t)w + (size_t)x] = tmp[y];
    }
    free(tmp);
}

/* ---- JPEG ----------------------------------------------------------------- */

int fg_jpeg_encode(const uint8_t *px, int w, int h, int quality, uint8_t **out, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    unsigned char *buf = NULL;
    unsigned long n = 0;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &n);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * (size_t)w);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = buf;
    *len = n;
    return buf ? 0 : -1;
}

int fg_jpeg_roundtrip(uint8_t *px, int w, int h, int quality)
{
    uint8_t *buf;
    size_t n;
    if (fg_jpeg_encode(px, w, h, quality, &buf, &n))
        return -1;
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr err;
    d.err = jpeg_std_error(&err);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, buf, (unsigned long)n);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&d);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = px + (size_t)d.output_scanline * (size_t)w;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(buf);
    return 0;
}

/* ---- geometry --------------------------------------------------------------- */

/* Homography mapping the unit square's corners (0,0) (1,0) (1,1) (0,1) to
 * the quad q[4][2]; we need the inverse, so solve for the square-to-quad
 * map and invert it. */
static void square_to_quad(const double q[4][2], double H[9])
{
    double x0 = q[0][0], y0 = q[0][1], x1 = q[1][0], y1 = q[1][1];
    double x2 = q[2][0], y2 = q[2][1], x3 = q[3][0], y3 = q[3][1];
    double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
    double sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3;
    double g = 0, h = 0;
    double den = dx1 * dy2 - dx2 * dy1;
    if (fabs(sx) > 1e-12 || fabs(sy) > 1e-12) {
        g = (sx * dy2 - dx2 * sy) / den;
        h = (dx1 * sy - sx * dy1) / den;
    }
    H[0] = x1 - x0 + g * x1;
    H[1] = x3 - x0 + h * x3;
    H[2] = x0;
    H[3] = y1 - y0 + g * y1;
    H[4] = y3 - y0 + h * y3;
    H[5] = y0;
    H[6] = g;
    H[7] = h;
    H[8] = 1;
}

static void invert3(const double m[9], double o[9])
{
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    double det = a * A + b * B + c * C;
    o[0] = A / det;
    o[1] = -(b * i - c * h) / det;
    o[2] = (b * f - c * e) / det;
    o[3] = B / det;
    o[4] = (a * i - c * g) / det;
    o[5] = -(a * f - c * d) / det;
    o[6] = C / det;
    o[7] = -(a * h - b * g) / det;
    o[8] = (a * e - b * d) / det;
}

/* ---- the frame ---------------------------------------------------------------- */

int fg_frame(const uint8_t *code, int cw, int kind, uint64_t seed, uint8_t *frame, fg_params *used)
{
    rng r = {seed * 0x2545f4914f6cdd1dull + (uint64_t)kind};
    fg_params p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.angle = rrange(&r, 0, 360);
    p.ppm = rrange(&r, 3.5, 7.0);
    p.blur = rrange(&r, 0.3, 0.8);
    p.noise = rrange(&r, 1, 4);
    p.jpeg_quality = rint_(&r, 60, 95);
    p.contrast = rrange(&r, 0.8, 1.0);
    p.light = 1.0;
    switch (kind) {
    case FG_BLUR: p.blur = rrange(&r, 1.0, 2.0); p.ppm = rrange(&r, 5, 8); break;
    case FG_JPEG: p.jpeg_quality = rint_(&r, 12, 30); break;
    case FG_CONTRAST: p.contrast = rrange(&r, 0.25, 0.5); break;
    case FG_LIGHT: p.light = rrange(&r, 0.3, 0.6); break;
    case FG_NOISE: p.noise = rrange(&r, 8, 16); break;
    case FG_KEYSTONE: p.keystone = rrange(&r, 0.08, 0.15); break;
    case FG_INVERTED: p.inverted = 1; break;
    case FG_SMALL: p.ppm = rrange(&r, 2.0, 3.0); p.blur = rrange(&r, 0.3, 0.5); break;
    default: break;
    }
    if (used)
        *used = p;

    background(frame, &r);

    /* the code's quad: a square of side cw*ppm, keystoned, rotated */
    double side = cw * p.ppm;
    double half = side / 2, k = p.keystone;
    double sq[4][2] = {{-half * (1 - k), -half}, {half * (1 - k), -half}, {half, half}, {-half, half}};
    double th = p.angle * M_PI / 180, ct = cos(th), st = sin(th);
    double ext = half * 1.42 + 4;
    double cx = rrange(&r, ext, FG_WIDTH - ext), cy = rrange(&r, ext, FG_HEIGHT - ext);
    if (ext * 2 > FG_HEIGHT)
        cy = FG_HEIGHT / 2.0;
    double q[4][2];
    double minx = 1e9, maxx = -1e9, miny = 1e9, maxy = -1e9;
    for (int i = 0; i < 4; i++) {
        q[i][0] = cx + sq[i][0] * ct - sq[i][1] * st;
        q[i][1] = cy + sq[i][0] * st + sq[i][1] * ct;
        minx = fmin(minx, q[i][0]);
        maxx = fmax(maxx, q[i][0]);
        miny = fmin(miny, q[i][1]);
        maxy = fmax(maxy, q[i][1]);
    }
    double Hm[9], Hi[9];
    square_to_quad(q, Hm);
    invert3(Hm, Hi);
    if (p.inverted) {
        /* a dark phone screen around the code */
        int pad = (int)(p.ppm * 3);
        fill_rect(frame, (int)minx - pad, (int)miny - pad, (int)(maxx - minx) + 2 * pad,
                  (int)(maxy - miny) + 2 * pad, (uint8_t)rint_(&r, 10, 40));
    }
    /* 3x3 supersampling of the module image through the inverse map */
    int x0 = (int)floor(minx) - 1, x1 = (int)ceil(maxx) + 1;
    int y0 = (int)floor(miny) - 1, y1 = (int)ceil(maxy) + 1;
    for (int y = y0; y <= y1; y++) {
        if (y < 0 || y >= FG_HEIGHT)
            continue;
        for (int x = x0; x <= x1; x++) {
            if (x < 0 || x >= FG_WIDTH)
                continue;
            int acc = 0, hits = 0;
            for (int sy = 0; sy < 3; sy++)
                for (int sx = 0; sx < 3; sx++) {
                    double fx = x + (sx + 0.5) / 3, fy = y + (sy + 0.5) / 3;
                    double w = Hi[6] * fx + Hi[7] * fy + Hi[8];
                    double u = (Hi[0] * fx + Hi[1] * fy + Hi[2]) / w;
                    double v = (Hi[3] * fx + Hi[4] * fy + Hi[5]) / w;
                    if (u < 0 || u >= 1 || v < 0 || v >= 1)
                        continue;
                    int mu = (int)(u * cw), mv = (int)(v * cw);
                    int val = code[(size_t)mv * (size_t)cw + (size_t)mu];
                    if (p.inverted)
                        val = 255 - val;
                    acc += val;
                    hits++;
                }
            if (!hits)
                continue;
            uint8_t *d = &frame[(size_t)y * FG_WIDTH + (size_t)x];
            *d = (uint8_t)((acc + (9 - hits) * *d + 4) / 9);
        }
    }
    /* lighting: a linear gradient across the frame down to p.light, and
     * for uneven-light frames a glare spot */
    double lx = rrange(&r, -1, 1), ly = rrange(&r, -1, 1);
    double gx = rrange(&r, 0, FG_WIDTH), gy = rrange(&r, 0, FG_HEIGHT), gr = rrange(&r, 80, 250);
    double norm = fabs(lx) * FG_WIDTH + fabs(ly) * FG_HEIGHT + 1;
    for (int y = 0; y < FG_HEIGHT; y++)
        for (int x = 0; x < FG_WIDTH; x++) {
            uint8_t *d = &frame[(size_t)y * FG_WIDTH + (size_t)x];
            double t = ((lx > 0 ? x : FG_WIDTH - x) * fabs(lx) + (ly > 0 ? y : FG_HEIGHT - y) * fabs(ly)) / norm;
            double v = *d;
            v = 128 + (v - 128) * p.contrast;
            v *= 1 - (1 - p.light) * t;
            if (kind == FG_LIGHT) {
                double dd = ((x - gx) * (x - gx) + (y - gy) * (y - gy)) / (gr * gr);
                v += 70 * exp(-dd);
            }
            *d = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    gaussian_blur(frame, FG_WIDTH, FG_HEIGHT, p.blur);
    for (size_t i = 0; i < (size_t)FG_WIDTH * FG_HEIGHT; i++) {
        double v = frame[i] + p.noise * rgauss(&r);
        frame[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
    }
    return fg_jpeg_roundtrip(frame, FG_WIDTH, FG_HEIGHT, p.jpeg_quality);
}
