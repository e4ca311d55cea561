/* libhcode: QR rendering (PNG, SVG, terminal text, bare module matrix) and
 * scanning (files, encoded image bytes, a camera's 8-bit grey frames). */
#ifndef HCODE_QR_H
#define HCODE_QR_H

#include "common.h"
#include "code.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Rendering -------------------------------------------------------- */

typedef enum hcode_qr_format {
    HCODE_QR_PNG = 0,   /* RGB PNG (palette), status colour on white */
    HCODE_QR_SVG = 1,   /* SVG document */
    HCODE_QR_TXT = 2    /* UTF-8 half blocks, two module rows per line */
} hcode_qr_format;

/* Error-correction levels (ISO/IEC 18004). Q is the default; H suits
 * printed codes that may be scuffed. */
typedef enum hcode_qr_ecc {
    HCODE_QR_ECC_L = 0,
    HCODE_QR_ECC_M = 1,
    HCODE_QR_ECC_Q = 2,
    HCODE_QR_ECC_H = 3
} hcode_qr_ecc;

#define HCODE_QR_QUIET 4        /* quiet zone, in modules, on every side */
#define HCODE_QR_SCALE_MAX 64   /* pixels per module, PNG */

/* "png", "svg", "txt" (also "text"): the format, or -1. */
int hcode_qr_format_parse(const char *name);
/* "L", "M", "Q", "H" (either case): the level, or -1. */
int hcode_qr_ecc_parse(const char *name);

/* Colour a code is drawn in, as 0xRRGGBB: a person code (or presentation)
 * in its status colour (green 0x00a651, yellow 0xf2b600, red 0xd7191c),
 * read from the signed claims (the signature is not checked: colour is a
 * hint for people, never a verdict); anything else black (0x000000). */
uint32_t hcode_qr_colour(const char *payload, size_t len);

/* The bare module matrix of the payload's QR code: *size x *size bytes,
 * row-major, 1 for a dark module and 0 for a light one, without the quiet
 * zone. ecc: hcode_qr_ecc, or -1 for the default (Q). Free with hcode_free(). */
int hcode_qr_matrix(hcode_ctx *ctx, const char *payload, size_t len, int ecc,
                    uint8_t **modules, int *size) HCODE_WUR;

/* Renders the payload as an image file's bytes (format: hcode_qr_format)
 * with the quiet zone. scale: pixels per module for PNG (1..HCODE_QR_SCALE_MAX,
 * 0 means 8), user units per module for SVG; ignored for text.
 * *out is NUL-terminated for SVG and text (not counted in *len).
 * Free with hcode_free(). */
int hcode_qr_render(hcode_ctx *ctx, const char *payload, size_t len, int format,
                    int scale, int ecc, uint8_t **out, size_t *outlen) HCODE_WUR;

/* Renders to an 8-bit grey frame (0 dark, 255 light) of *width x *width
 * pixels with the quiet zone: what hcode_qr_scan_gray() reads. */
int hcode_qr_render_gray(hcode_ctx *ctx, const char *payload, size_t len, int scale,
                         int ecc, uint8_t **pixels, int *width) HCODE_WUR;

/* ---- Scanning --------------------------------------------------------- */

/* Bounds on input images. */
#define HCODE_IMAGE_DIM_MAX 8192          /* width and height, pixels */
#define HCODE_IMAGE_FILE_MAX (64u << 20)  /* encoded file bytes */

/* Every QR code found in one image, each with its verdict. */
typedef struct hcode_scan_result hcode_scan_result;

/* Scans one 8-bit grey frame (width x height, rows `stride` bytes apart)
 * for QR codes and verifies every one found against the context's trusted
 * keys at time `at` (HCODE_NOW for now). Codes that are not ours are kept
 * with a malformed verdict. Returns 0 (also when nothing was found:
 * count 0), HCODE_ELIMIT for frames beyond HCODE_IMAGE_DIM_MAX, HCODE_EINVAL,
 * HCODE_ENOMEM. Free *out with hcode_scan_result_free(). */
int hcode_qr_scan_gray(hcode_ctx *ctx, const uint8_t *pixels, int width, int height,
                       int stride, int64_t at, hcode_scan_result **out) HCODE_WUR;

/* Scans an image file (PNG, JPEG or PGM). HCODE_EIO when it cannot be read,
 * HCODE_EIMAGE when it cannot be decoded, HCODE_ELIMIT when too large. */
int hcode_qr_scan_file(hcode_ctx *ctx, const char *path, int64_t at,
                       hcode_scan_result **out) HCODE_WUR;

/* Scans an encoded image (PNG, JPEG or PGM) held in memory. */
int hcode_qr_scan_image_bytes(hcode_ctx *ctx, const uint8_t *bytes, size_t len, int64_t at,
                              hcode_scan_result **out) HCODE_WUR;

void hcode_scan_result_free(hcode_scan_result *r);

size_t hcode_scan_result_count(const hcode_scan_result *r);
/* The i-th code's payload (NUL-terminated; it may itself contain NUL bytes
 * when it is not ours: see _payload_len). NULL when i is out of range. */
const char *hcode_scan_result_payload(const hcode_scan_result *r, size_t i);
size_t hcode_scan_result_payload_len(const hcode_scan_result *r, size_t i);
/* The i-th code's verdict, owned by the result. NULL when out of range. */
const hcode_verdict *hcode_scan_result_verdict(const hcode_scan_result *r, size_t i);
/* The i-th code as one JSON line: the verdict's fields (see
 * hcode_verdict_to_json) plus "payload" and, when image is not NULL,
 * "image". Free with hcode_free(). */
int hcode_scan_result_to_json(const hcode_scan_result *r, size_t i, const char *image,
                              char **out) HCODE_WUR;
/* Name of the pre-processing pass that found the codes ("" when none). */
const char *hcode_scan_result_pass(const hcode_scan_result *r);

/* Decoders. zbar is in every build; zxing-cpp when built with it. */
#define HCODE_QR_DECODER_ZBAR  0x1u
#define HCODE_QR_DECODER_ZXING 0x2u
/* Decoders this build has. */
unsigned hcode_qr_decoders_available(void);
/* Restricts the context's scans to the given decoders (a subset of the
 * available ones, not empty). Default: all available. */
int hcode_qr_set_decoders(hcode_ctx *ctx, unsigned mask) HCODE_WUR;

/* Time budget for one scan, in milliseconds (default 250): no new
 * pre-processing pass starts after it is spent. 1..10000. */
int hcode_qr_set_time_budget(hcode_ctx *ctx, int ms) HCODE_WUR;

/* A gate camera sees one code in many frames: a payload seen again within
 * `seconds` (of `at`) reuses its verdict instead of verifying it again
 * (default 2; 0 turns the cache off). The cache is dropped whenever the
 * trusted keys change and by hcode_qr_cache_clear(). */
int hcode_qr_set_cache_window(hcode_ctx *ctx, int64_t seconds) HCODE_WUR;
void hcode_qr_cache_clear(hcode_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
