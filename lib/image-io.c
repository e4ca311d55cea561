/* Image loading: PNG (libpng), JPEG (libjpeg), PGM (P5, P2) into 8-bit
 * grey, with bounded dimensions and allocations. */
#include "qr-private.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Progressive JPEGs may hold many scans, each a full pass over the
 * coefficients: a hostile file could make decoding slow without this. */
#define JPEG_MAX_SCANS 64

static int check_dims(hcode_ctx *ctx, const char *what, unsigned long w, unsigned long h)
{
    /* the codes spelled out (not hcode__err's return value), so that
     * static analysis sees no zero-sized allocation after this check */
    if (w == 0 || h == 0) {
        hcode__err(ctx, HCODE_EIMAGE, "%s image has no pixels (%lux%lu)", what, w, h);
        return HCODE_EIMAGE;
    }
    if (w > HCODE_IMAGE_DIM_MAX || h > HCODE_IMAGE_DIM_MAX) {
        hcode__err(ctx, HCODE_ELIMIT, "%s image is %lux%lu, larger than %dx%d", what, w, h, HCODE_IMAGE_DIM_MAX,
                   HCODE_IMAGE_DIM_MAX);
        return HCODE_ELIMIT;
    }
    return HCODE_OK;
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct png_src {
    const uint8_t *p;
    size_t len, pos;
} png_src;

typedef struct png_job {
    hcode_ctx *ctx;
    png_src src;
    hcode__gray img;
    uint8_t **rows;
    int rc;
    char msg[128];
} png_job;

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->pos)
        png_error(png, "truncated file");
    memcpy(out, s->p + s->pos, n);
    s->pos += n;
}

static void png_err_fn(png_structp png, png_const_charp msg)
{
    png_job *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof j->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int decode_png(hcode_ctx *ctx, const uint8_t *bytes, size_t len, hcode__gray *out)
{
    png_job *j = calloc(1, sizeof *j);
    if (!j)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    j->ctx = ctx;
    j->src.p = bytes;
    j->src.len = len;
    j->rc = HCODE_EIMAGE;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, j, png_err_fn, png_warn_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(j);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(j->img.px);
        free(j->rows);
        int rc = j->rc;
        if (rc == HCODE_EIMAGE)
            hcode__err(ctx, rc, "PNG: %s", j->msg[0] ? j->msg : "cannot decode");
        free(j);
        return rc;
    }
    png_set_read_fn(png, &j->src, png_read_mem);
    /* Dimensions are checked right after the header, before any row is
     * allocated; ancillary chunks are bounded too. */
    png_set_chunk_cache_max(png, 128);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int rc = check_dims(ctx, "PNG", w, h);
    if (rc) {
        j->rc = rc;
        snprintf(j->msg, sizeof j->msg, "bad size");
        png_destroy_read_struct(&png, &info, NULL);
        free(j);
        return rc;
    }
    int ct = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (depth == 16)
        png_set_strip_16(png);
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (ct & PNG_COLOR_MASK_COLOR || ct == PNG_COLOR_TYPE_PALETTE)
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    /* Transparent pixels become white: a code drawn on a transparent
     * background reads as dark on light. */
    png_color_16 white = {0, 255, 255, 255, 255};
    png_set_background_fixed(png, &white, PNG_BACKGROUND_GAMMA_SCREEN, 0, PNG_FP_1);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != w || png_get_channels(png, info) != 1) {
        snprintf(j->msg, sizeof j->msg, "unexpected pixel layout");
        png_longjmp(png, 1);
    }
    j->img.px = malloc((size_t)w * h);
    j->rows = malloc(h * sizeof *j->rows);
    if (!j->img.px || !j->rows) {
        j->rc = HCODE_ENOMEM;
        hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++)
        j->rows[y] = j->img.px + (size_t)y * w;
    png_read_image(png, j->rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(j->rows);
    j->img.width = (int)w;
    j->img.height = (int)h;
    j->img.stride = (int)w;
    *out = j->img;
    free(j);
    return HCODE_OK;
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct jpeg_job {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    int eof;
} jpeg_job;

static void jpeg_err_exit(j_common_ptr cinfo)
{
    jpeg_job *j = (jpeg_job *)cinfo->err;
    cinfo->err->format_message(cinfo, j->msg);
    longjmp(j->jb, 1);
}

static void jpeg_emit(j_common_ptr cinfo, int level)
{
    jpeg_job *j = (jpeg_job *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
        j->eof = 1;
    if (level < 0)
        cinfo->err->num_warnings++;
}

static void jpeg_progress(j_common_ptr cinfo)
{
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > JPEG_MAX_SCANS) {
            jpeg_job *j = (jpeg_job *)cinfo->err;
            snprintf(j->msg, sizeof j->msg, "more than %d scans", JPEG_MAX_SCANS);
            longjmp(j->jb, 1);
        }
    }
}

static int decode_jpeg(hcode_ctx *ctx, const uint8_t *bytes, size_t len, hcode__gray *out)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    jpeg_job *j = calloc(1, sizeof *j);
    hcode__gray *img = calloc(1, sizeof *img); /* survives the longjmp */
    if (!j || !img) {
        free(j);
        free(img);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    volatile int rc = HCODE_EIMAGE;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&j->pub);
    j->pub.error_exit = jpeg_err_exit;
    j->pub.emit_message = jpeg_emit;
    if (setjmp(j->jb)) {
        jpeg_destroy_decompress(&cinfo);
        hcode__err(ctx, HCODE_EIMAGE, "JPEG: %s", j->msg);
        goto fail;
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = jpeg_progress;
    cinfo.progress = &progress;
    cinfo.mem->max_memory_to_use = 256L << 20;
    jpeg_mem_src(&cinfo, bytes, (unsigned long)len);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&cinfo);
        hcode__err(ctx, HCODE_EIMAGE, "JPEG: no image");
        goto fail;
    }
    if ((rc = check_dims(ctx, "JPEG", cinfo.image_width, cinfo.image_height)) != 0) {
        jpeg_destroy_decompress(&cinfo);
        goto fail;
    }
    rc = HCODE_EIMAGE;
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 1) {
        jpeg_destroy_decompress(&cinfo);
        hcode__err(ctx, HCODE_EIMAGE, "JPEG: cannot convert to grey");
        goto fail;
    }
    size_t w = cinfo.output_width, h = cinfo.output_height;
    img->px = malloc(w * h);
    if (!img->px) {
        jpeg_destroy_decompress(&cinfo);
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto fail;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->px + (size_t)cinfo.output_scanline * w;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1)
            break;
        if (j->eof)
            break;
    }
    if (j->eof || cinfo.output_scanline < cinfo.output_height) {
        jpeg_destroy_decompress(&cinfo);
        hcode__err(ctx, HCODE_EIMAGE, "JPEG: truncated file");
        goto fail;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    img->width = (int)w;
    img->height = (int)h;
    img->stride = (int)w;
    *out = *img;
    free(img);
    free(j);
    return HCODE_OK;
fail:
    free(img->px);
    free(img);
    free(j);
    return rc;
}

/* ---- PGM ---------------------------------------------------------------- */

typedef struct pgm_rd {
    const uint8_t *p;
    size_t len, pos;
} pgm_rd;

static void pgm_skip(pgm_rd *r)
{
    while (r->pos < r->len) {
        if (r->p[r->pos] == '#') {
            while (r->pos < r->len && r->p[r->pos] != '\n' && r->p[r->pos] != '\r')
                r->pos++;
        } else if (isspace(r->p[r->pos])) {
            r->pos++;
        } else {
            break;
        }
    }
}

/* Reads an unsigned decimal up to `max`. */
static int pgm_uint(pgm_rd *r, unsigned long max, unsigned long *out)
{
    pgm_skip(r);
    if (r->pos >= r->len || !isdigit(r->p[r->pos]))
        return -1;
    unsigned long v = 0;
    while (r->pos < r->len && isdigit(r->p[r->pos])) {
        v = v * 10 + (unsigned long)(r->p[r->pos] - '0');
        if (v > max)
            return -2;
        r->pos++;
    }
    *out = v;
    return 0;
}

static int decode_pgm(hcode_ctx *ctx, const uint8_t *bytes, size_t len, hcode__gray *out)
{
    pgm_rd r = {bytes, len, 2};
    int binary = bytes[1] == '5';
    unsigned long w, h, maxval;
    int e;
    /* A dimension beyond the limit is ELIMIT, however many digits it has. */
    if ((e = pgm_uint(&r, 1000000000ul, &w)) || (e = pgm_uint(&r, 1000000000ul, &h)))
        return e == -2 ? hcode__err(ctx, HCODE_ELIMIT, "PGM dimensions out of range")
                       : hcode__err(ctx, HCODE_EIMAGE, "PGM: bad header");
    int rc = check_dims(ctx, "PGM", w, h);
    if (rc)
        return rc;
    if (pgm_uint(&r, 65535, &maxval) || maxval == 0)
        return hcode__err(ctx, HCODE_EIMAGE, "PGM: bad maximum value");
    size_t n = (size_t)w * h;
    size_t bps = maxval > 255 ? 2 : 1;
    if (binary) {
        /* exactly one whitespace byte after maxval, then the raster, which
         * must be all there before anything is allocated */
        if (r.pos >= len || !isspace(bytes[r.pos]))
            return hcode__err(ctx, HCODE_EIMAGE, "PGM: bad header");
        r.pos++;
        if ((len - r.pos) / bps < n)
            return hcode__err(ctx, HCODE_EIMAGE,
                              "PGM: header says %lux%lu but the file holds only %zu pixels", w, h,
                              (len - r.pos) / bps);
    } else if ((len - r.pos) / 2 < n) {
        /* P2 needs at least one digit and one separator per pixel */
        return hcode__err(ctx, HCODE_EIMAGE,
                          "PGM: header says %lux%lu but the file is too short for that", w, h);
    }
    uint8_t *px = malloc(n);
    if (!px)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        unsigned long v;
        if (binary) {
            v = bytes[r.pos++];
            if (bps == 2)
                v = v << 8 | bytes[r.pos++];
            if (v > maxval)
                v = maxval;
        } else if (pgm_uint(&r, maxval, &v)) {
            free(px);
            return hcode__err(ctx, HCODE_EIMAGE, "PGM: bad or missing pixel value %zu", i);
        }
        px[i] = (uint8_t)(maxval == 255 ? v : (v * 255 + maxval / 2) / maxval);
    }
    out->px = px;
    out->width = (int)w;
    out->height = (int)h;
    out->stride = (int)w;
    return HCODE_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

int hcode__image_decode(hcode_ctx *ctx, const uint8_t *bytes, size_t len, hcode__gray *out)
{
    if (!out)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    memset(out, 0, sizeof *out);
    if (!bytes && len)
        return hcode__err(ctx, HCODE_EINVAL, "no image");
    if (len > HCODE_IMAGE_FILE_MAX)
        return hcode__err(ctx, HCODE_ELIMIT, "image larger than %u bytes", HCODE_IMAGE_FILE_MAX);
    if (len >= 8 && !memcmp(bytes, "\x89PNG\r\n\x1a\n", 8))
        return decode_png(ctx, bytes, len, out);
    if (len >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return decode_jpeg(ctx, bytes, len, out);
    if (len >= 3 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '2') && isspace(bytes[2]))
        return decode_pgm(ctx, bytes, len, out);
    return hcode__err(ctx, HCODE_EIMAGE, "not a PNG, JPEG or PGM image");
}

int hcode__image_load_file(hcode_ctx *ctx, const char *path, hcode__gray *out)
{
    if (!out || !path)
        return hcode__err(ctx, HCODE_EINVAL, "no path");
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hcode__err(ctx, HCODE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return hcode__err(ctx, HCODE_EIO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > HCODE_IMAGE_FILE_MAX) {
        fclose(f);
        return hcode__err(ctx, HCODE_ELIMIT, "%s: larger than %u bytes", path, HCODE_IMAGE_FILE_MAX);
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, cap + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > cap) {
        free(buf);
        return hcode__err(ctx, HCODE_EIO, "%s: read error", path);
    }
    int rc = hcode__image_decode(ctx, buf, n, out);
    free(buf);
    if (rc) {
        char msg[sizeof ctx->errmsg];
        snprintf(msg, sizeof msg, "%s", ctx ? ctx->errmsg : "");
        hcode__err(ctx, rc, "%s: %s", path, msg);
    }
    return rc;
}
