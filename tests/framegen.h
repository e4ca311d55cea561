/* Camera-like frames made from our own rendered codes, for the robustness
 * test and the benchmark. Deterministic: one seed, one frame. */
#ifndef HCODE_FRAMEGEN_H
#define HCODE_FRAMEGEN_H

#include <stddef.h>
#include <stdint.h>

#define FG_WIDTH 1280
#define FG_HEIGHT 720

/* What a frame stresses (every frame also gets a random rotation and mild
 * camera blur, noise and JPEG compression). */
enum fg_kind {
    FG_CLEAN,      /* rotation only */
    FG_BLUR,       /* Gaussian blur, sigma up to 2 */
    FG_JPEG,       /* JPEG quality down to 12 */
    FG_CONTRAST,   /* contrast down to 25% */
    FG_LIGHT,      /* uneven lighting: a gradient down to 30% and a glare spot */
    FG_NOISE,      /* sensor noise, sigma up to 16 */
    FG_KEYSTONE,   /* perspective keystone up to 15% */
    FG_INVERTED,   /* light modules on a dark screen */
    FG_SMALL,      /* 2..3 pixels per module */
    FG_NKINDS
};

const char *fg_kind_name(int kind);

typedef struct fg_params {
    int kind;
    double angle;      /* degrees */
    double ppm;        /* pixels per module */
    double keystone;   /* 0..0.15: far edge shortened by this fraction */
    double blur;       /* Gaussian sigma, pixels */
    double contrast;   /* 0.25..1 */
    double light;      /* darkest lighting factor, 0.3..1 */
    double noise;      /* Gaussian noise sigma, grey levels */
    int jpeg_quality;  /* 12..95 */
    int inverted;
} fg_params;

/* Draws a FG_WIDTH x FG_HEIGHT grey frame (stride FG_WIDTH) into frame,
 * showing the code image `code` (cw x cw grey pixels, one pixel per module,
 * quiet zone included, e.g. a scale-1 render) under the degradations of
 * `kind`, with parameters drawn from `seed` (written to *used when not
 * NULL). Returns 0, or -1 when out of memory or JPEG fails. */
int fg_frame(const uint8_t *code, int cw, int kind, uint64_t seed, uint8_t *frame, fg_params *used);

/* JPEG round trip of a grey frame at the given quality (in place). */
int fg_jpeg_roundtrip(uint8_t *px, int w, int h, int quality);
/* Encodes a grey frame as JPEG; *out is malloc'd. */
int fg_jpeg_encode(const uint8_t *px, int w, int h, int quality, uint8_t **out, size_t *len);

#ifndef HCODE_FRAMEGEN_NO_CODES
#include <hcode.h>
/* A signed code and its scale-1 grey rendering (quiet zone included). */
typedef struct fg_code {
    char *payload;
    uint8_t *img;
    int cw;
} fg_code;

/* Makes n codes (person codes of every status and venue codes) signed by
 * a fresh issuer that ctx is made to trust, issued at `at`. Returns 0 or
 * a negative HCODE_E* code. */
int fg_codes_make(hcode_ctx *ctx, int n, int64_t at, fg_code *out);
void fg_codes_free(fg_code *codes, int n);
#endif

#endif
