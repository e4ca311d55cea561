/* Internals of the QR and image files. Not installed. */
#ifndef HCODE_QR_PRIVATE_H
#define HCODE_QR_PRIVATE_H

#include "hcode-private.h"
#include "hcode/qr.h"

/* An 8-bit grey image owned by its holder (free `px` with free()). */
typedef struct hcode__gray {
    uint8_t *px;
    int width, height, stride;
} hcode__gray;

/* Image loading (lib/image-io.c). Decodes PNG, JPEG or PGM (P5, P2) bytes
 * into 8-bit grey. HCODE_EIMAGE for undecodable input, HCODE_ELIMIT for an
 * image wider or taller than HCODE_IMAGE_DIM_MAX (or 0 x 0). Never
 * allocates more than the declared dimensions allow. */
int hcode__image_decode(hcode_ctx *ctx, const uint8_t *bytes, size_t len, hcode__gray *out);
int hcode__image_load_file(hcode_ctx *ctx, const char *path, hcode__gray *out);

/* Encodes an 8-bit grey image as PNG (tests, frame generator). */
int hcode__png_encode_gray(const uint8_t *px, int width, int height, int stride,
                           uint8_t **out, size_t *outlen);

/* One code found by a decoder. */
typedef struct hcode__qr_found {
    uint8_t *data;     /* NUL-terminated copy, malloc'd */
    size_t len;
} hcode__qr_found;

/* A decoder's output list. */
typedef struct hcode__qr_list {
    hcode__qr_found *items;
    size_t n, cap;
} hcode__qr_list;

/* Appends a copy of data unless the same bytes are already in the list.
 * Returns 0 or HCODE_ENOMEM. */
int hcode__qr_list_add(hcode__qr_list *l, const uint8_t *data, size_t len);
void hcode__qr_list_clear(hcode__qr_list *l);

/* The decoder interface: find every QR code in a grey frame, add their
 * bytes to `found`. Returns 0, HCODE_ENOMEM, or HCODE_EIMAGE when the
 * decoder failed internally. */
typedef struct hcode__qr_decoder {
    const char *name;
    unsigned id;   /* HCODE_QR_DECODER_* */
    int (*decode)(void *state, const hcode__gray *img, hcode__qr_list *found);
    void *(*state_new)(void);
    void (*state_free)(void *state);
} hcode__qr_decoder;

extern const hcode__qr_decoder hcode__qr_zbar;
#ifdef HCODE_HAVE_ZXING
extern const hcode__qr_decoder hcode__qr_zxing;
#endif

#endif
