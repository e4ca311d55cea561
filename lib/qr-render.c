/* QR rendering: module matrix (libqrencode), PNG (libpng), SVG, terminal
 * text, 8-bit grey frames. A person code is drawn in its status colour. */
#include "qr-private.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLOUR_GREEN 0x00a651u
#define COLOUR_YELLOW 0xcc9a00u /* amber: yellow that still contrasts with white */
#define COLOUR_RED 0xd7191cu
#define COLOUR_BLACK 0x000000u
#define DEFAULT_SCALE 8

int hcode_qr_format_parse(const char *name)
{
    if (!name)
        return -1;
    if (!strcmp(name, "png"))
        return HCODE_QR_PNG;
    if (!strcmp(name, "svg"))
        return HCODE_QR_SVG;
    if (!strcmp(name, "txt") || !strcmp(name, "text"))
        return HCODE_QR_TXT;
    return -1;
}

int hcode_qr_ecc_parse(const char *name)
{
    if (!name || !name[0] || name[1])
        return -1;
    switch (name[0]) {
    case 'L': case 'l': return HCODE_QR_ECC_L;
    case 'M': case 'm': return HCODE_QR_ECC_M;
    case 'Q': case 'q': return HCODE_QR_ECC_Q;
    case 'H': case 'h': return HCODE_QR_ECC_H;
    default: return -1;
    }
}

uint32_t hcode_qr_colour(const char *payload, size_t len)
{
    uint8_t buf[HCODE__COSE_MAX];
    size_t n;
    int kind;
    hcode_verdict v;
    hcode__cose c;
    if (!payload)
        return COLOUR_BLACK;
    memset(&v, 0, sizeof v);
    v.status = -1;
    if (hcode__payload_unwrap(payload, len, buf, sizeof buf, &n, &kind, &v))
        return COLOUR_BLACK;
    if (kind != HCODE_KIND_PERSON && kind != HCODE_KIND_PRESENTATION)
        return COLOUR_BLACK;
    if (hcode__cose_parse(buf, n, &c, &v) || hcode__claims_decode(c.payload, c.payload_len, &v))
        return COLOUR_BLACK;
    if (v.kind != HCODE_KIND_PERSON && v.kind != HCODE_KIND_PRESENTATION)
        return COLOUR_BLACK;
    switch (v.status) {
    case HCODE_GREEN: return COLOUR_GREEN;
    case HCODE_YELLOW: return COLOUR_YELLOW;
    case HCODE_RED: return COLOUR_RED;
    default: return COLOUR_BLACK;
    }
}

/* Encodes with libqrencode; on success *qr is the code. */
/* hcode__err() returns its code, but from another file; spelled out here
 * so that static analysis sees encode() never returns 0 without a code. */
#define fail(ctx, code, ...) ((void)hcode__err((ctx), (code), __VA_ARGS__), (code))

static int encode(hcode_ctx *ctx, const char *payload, size_t len, int ecc, QRcode **qr)
{
    static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
    *qr = NULL;
    if (!payload && len)
        return fail(ctx, HCODE_EINVAL, "no payload");
    if (len == 0)
        return fail(ctx, HCODE_EINVAL, "empty payload");
    if (ecc == -1)
        ecc = HCODE_QR_ECC_Q;
    if (ecc < HCODE_QR_ECC_L || ecc > HCODE_QR_ECC_H)
        return fail(ctx, HCODE_EINVAL, "error-correction level must be L, M, Q or H");
    if (len > HCODE_PAYLOAD_MAX)
        return fail(ctx, HCODE_ELIMIT, "payload longer than %d bytes", HCODE_PAYLOAD_MAX);
    if (memchr(payload, '\0', len))
        return fail(ctx, HCODE_EINVAL, "payload contains a NUL byte");
    char text[HCODE_PAYLOAD_MAX + 1];
    memcpy(text, payload, len);
    text[len] = '\0';
    errno = 0;
    /* QR_MODE_8 as the hint lets libqrencode pick alphanumeric segments
     * for Base45 text; case-sensitive keeps other text as is. */
    *qr = QRcode_encodeString(text, 0, levels[ecc], QR_MODE_8, 1);
    if (!*qr) {
        if (errno == ERANGE)
            return fail(ctx, HCODE_ELIMIT, "payload too long for a QR code at level %c",
                              "LMQH"[ecc]);
        if (errno == ENOMEM)
            return fail(ctx, HCODE_ENOMEM, "out of memory");
        return fail(ctx, HCODE_EINVAL, "payload cannot be encoded as a QR code");
    }
    return HCODE_OK;
}
#undef fail

int hcode_qr_matrix(hcode_ctx *ctx, const char *payload, size_t len, int ecc, uint8_t **modules,
                    int *size)
{
    if (!modules || !size)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *modules = NULL;
    *size = 0;
    QRcode *qr;
    int rc = encode(ctx, payload, len, ecc, &qr);
    if (rc)
        return rc;
    size_t w = (size_t)qr->width;
    uint8_t *m = malloc(w * w);
    if (!m) {
        QRcode_free(qr);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < w * w; i++)
        m[i] = qr->data[i] & 1;
    *modules = m;
    *size = qr->width;
    QRcode_free(qr);
    return HCODE_OK;
}

/* ---- growing output buffer -------------------------------------------- */

typedef struct obuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} obuf;

static void ob_put(obuf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void ob_printf(obuf *b, const char *fmt, ...) HCODE__PRINTF(2, 3);
static void ob_printf(obuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = 1;
        return;
    }
    ob_put(b, tmp, (size_t)n);
}

/* ---- PNG ---------------------------------------------------------------- */

static void png_out(png_structp png, png_bytep data, size_t n)
{
    obuf *b = png_get_io_ptr(png);
    ob_put(b, data, n);
    if (b->oom)
        png_error(png, "out of memory");
}

static void png_flush_none(png_structp png) { (void)png; }

/* libpng's default handlers print to stderr; the library never prints.
 * Errors go back through the setjmp below as HCODE_ENOMEM (the only way
 * writing to memory can fail). */
static void png_silent_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void png_silent_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Writes a palette PNG: index 0 light (white), index 1 the module colour,
 * 1 bit per pixel. */
static int render_png(const QRcode *qr, int scale, uint32_t colour, obuf *b)
{
    const int q = HCODE_QR_QUIET;
    int side = (qr->width + 2 * q) * scale;
    size_t rowbytes = ((size_t)side + 7) / 8;
    uint8_t *row = calloc(1, rowbytes);
    uint8_t *quiet = calloc(1, rowbytes);
    if (!row || !quiet) {
        free(row);
        free(quiet);
        return HCODE_ENOMEM;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_silent_error, png_silent_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(row);
        free(quiet);
        return HCODE_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(quiet);
        return HCODE_ENOMEM;
    }
    png_set_write_fn(png, b, png_out, png_flush_none);
    png_color pal[2] = {{255, 255, 255},
                        {(png_byte)(colour >> 16), (png_byte)(colour >> 8), (png_byte)colour}};
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, info, pal, 2);
    png_write_info(png, info);
    for (int y = 0; y < q * scale; y++)
        png_write_row(png, quiet);
    for (int my = 0; my < qr->width; my++) {
        memset(row, 0, rowbytes);
        const unsigned char *src = qr->data + (size_t)my * (size_t)qr->width;
        for (int mx = 0; mx < qr->width; mx++) {
            if (!(src[mx] & 1))
                continue;
            int x0 = (q + mx) * scale;
            for (int x = x0; x < x0 + scale; x++)
                row[x >> 3] |= (uint8_t)(0x80u >> (x & 7));
        }
        for (int k = 0; k < scale; k++)
            png_write_row(png, row);
    }
    for (int y = 0; y < q * scale; y++)
        png_write_row(png, quiet);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    free(quiet);
    return b->oom ? HCODE_ENOMEM : HCODE_OK;
}

int hcode__png_encode_gray(const uint8_t *px, int width, int height, int stride, uint8_t **out,
                           size_t *outlen)
{
    obuf b = {0};
    *out = NULL;
    *outlen = 0;
    if (width <= 0 || height <= 0 || stride < width)
        return HCODE_EINVAL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_silent_error, png_silent_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return HCODE_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(b.p);
        return HCODE_ENOMEM;
    }
    png_set_write_fn(png, &b, png_out, png_flush_none);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(px + (size_t)y * (size_t)stride));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (b.oom) {
        free(b.p);
        return HCODE_ENOMEM;
    }
    *out = b.p;
    *outlen = b.len;
    return HCODE_OK;
}

/* ---- SVG ---------------------------------------------------------------- */

static void render_svg(const QRcode *qr, int scale, uint32_t colour, obuf *b)
{
    const int q = HCODE_QR_QUIET;
    int side = qr->width + 2 * q;
    ob_printf(b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
              "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
              "<path fill=\"#%06x\" d=\"",
              side * scale, side * scale, side, side, side, side, (unsigned)colour);
    for (int y = 0; y < qr->width; y++) {
        const unsigned char *src = qr->data + (size_t)y * (size_t)qr->width;
        for (int x = 0; x < qr->width;) {
            if (!(src[x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < qr->width && (src[x + run] & 1))
                run++;
            ob_printf(b, "M%d %dh%dv1h-%dz", x + q, y + q, run, run);
            x += run;
        }
    }
    ob_printf(b, "\"/>\n</svg>\n");
}

/* ---- terminal text ---------------------------------------------------- */

/* Light modules are drawn as blocks, dark ones as blanks, so that the code
 * reads on the usual dark terminal background; two module rows per line. */
static void render_txt(const QRcode *qr, obuf *b)
{
    static const char *cell[4] = {"\xe2\x96\x88", /* both light: full block */
                                  "\xe2\x96\x84", /* top dark: lower half */
                                  "\xe2\x96\x80", /* bottom dark: upper half */
                                  " "};
    const int q = HCODE_QR_QUIET;
    int side = qr->width + 2 * q;
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            int top = 0, bottom = 0;
            int mx = x - q, my = y - q;
            if (mx >= 0 && mx < qr->width && my >= 0 && my < qr->width)
                top = qr->data[(size_t)my * (size_t)qr->width + (size_t)mx] & 1;
            if (mx >= 0 && mx < qr->width && my + 1 >= 0 && my + 1 < qr->width)
                bottom = qr->data[(size_t)(my + 1) * (size_t)qr->width + (size_t)mx] & 1;
            ob_put(b, cell[top | bottom << 1], strlen(cell[top | bottom << 1]));
        }
        ob_put(b, "\n", 1);
    }
}

int hcode_qr_render(hcode_ctx *ctx, const char *payload, size_t len, int format, int scale,
                    int ecc, uint8_t **out, size_t *outlen)
{
    if (!out || !outlen)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *out = NULL;
    *outlen = 0;
    if (format != HCODE_QR_PNG && format != HCODE_QR_SVG && format != HCODE_QR_TXT)
        return hcode__err(ctx, HCODE_EINVAL, "unknown image format %d", format);
    if (scale == 0)
        scale = DEFAULT_SCALE;
    if (scale < 1 || scale > HCODE_QR_SCALE_MAX)
        return hcode__err(ctx, HCODE_EINVAL, "scale must be 1..%d", HCODE_QR_SCALE_MAX);
    QRcode *qr;
    int rc = encode(ctx, payload, len, ecc, &qr);
    if (rc)
        return rc;
    uint32_t colour = hcode_qr_colour(payload, len);
    obuf b = {0};
    if (format == HCODE_QR_PNG)
        rc = render_png(qr, scale, colour, &b);
    else if (format == HCODE_QR_SVG)
        render_svg(qr, scale, colour, &b);
    else
        render_txt(qr, &b);
    QRcode_free(qr);
    if (rc || b.oom) {
        free(b.p);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    *out = b.p;
    *outlen = b.len;
    return HCODE_OK;
}

int hcode_qr_render_gray(hcode_ctx *ctx, const char *payload, size_t len, int scale, int ecc,
                         uint8_t **pixels, int *width)
{
    if (!pixels || !width)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *pixels = NULL;
    *width = 0;
    if (scale == 0)
        scale = DEFAULT_SCALE;
    if (scale < 1 || scale > HCODE_QR_SCALE_MAX)
        return hcode__err(ctx, HCODE_EINVAL, "scale must be 1..%d", HCODE_QR_SCALE_MAX);
    QRcode *qr;
    int rc = encode(ctx, payload, len, ecc, &qr);
    if (rc)
        return rc;
    const int q = HCODE_QR_QUIET;
    size_t side = (size_t)(qr->width + 2 * q) * (size_t)scale;
    uint8_t *px = malloc(side * side);
    if (!px) {
        QRcode_free(qr);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    memset(px, 255, side * side);
    for (int my = 0; my < qr->width; my++)
        for (int mx = 0; mx < qr->width; mx++) {
            if (!(qr->data[(size_t)my * (size_t)qr->width + (size_t)mx] & 1))
                continue;
            for (int k = 0; k < scale; k++)
                memset(px + ((size_t)(q + my) * (size_t)scale + (size_t)k) * side +
                           (size_t)(q + mx) * (size_t)scale,
                       0, (size_t)scale);
        }
    QRcode_free(qr);
    *pixels = px;
    *width = (int)side;
    return HCODE_OK;
}
