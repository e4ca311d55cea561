/* The zbar decoder behind the internal decoder interface: QR symbology
 * only, binary mode (no charset guessing). */
#include "qr-private.h"

#include <stdlib.h>
#include <zbar.h>

static void *zbar_state_new(void)
{
    zbar_image_scanner_t *sc = zbar_image_scanner_create();
    if (!sc)
        return NULL;
    /* Everything off, then QR on: other symbologies' decoders have had
     * memory-safety bugs triggered by ordinary camera frames. */
    if (zbar_image_scanner_set_config(sc, 0, ZBAR_CFG_ENABLE, 0) ||
        zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1) ||
        zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)) {
        zbar_image_scanner_destroy(sc);
        return NULL;
    }
    zbar_image_scanner_enable_cache(sc, 0);
    return sc;
}

static void zbar_state_free(void *state)
{
    if (state)
        zbar_image_scanner_destroy(state);
}

static int zbar_decode(void *state, const hcode__gray *img, hcode__qr_list *found)
{
    zbar_image_scanner_t *sc = state;
    if (!sc || img->stride != img->width)
        return HCODE_EINVAL;
    zbar_image_t *zi = zbar_image_create();
    if (!zi)
        return HCODE_ENOMEM;
    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, (unsigned)img->width, (unsigned)img->height);
    zbar_image_set_data(zi, img->px, (unsigned long)img->width * (unsigned long)img->height, NULL);
    int n = zbar_scan_image(sc, zi);
    int rc = n < 0 ? HCODE_EIMAGE : HCODE_OK;
    for (const zbar_symbol_t *s = zbar_image_first_symbol(zi); s && !rc; s = zbar_symbol_next(s)) {
        if (zbar_symbol_get_type(s) != ZBAR_QRCODE)
            continue;
        rc = hcode__qr_list_add(found, (const uint8_t *)zbar_symbol_get_data(s),
                                zbar_symbol_get_data_length(s));
    }
    zbar_image_destroy(zi);
    return rc;
}

const hcode__qr_decoder hcode__qr_zbar = {
    "zbar", HCODE_QR_DECODER_ZBAR, zbar_decode, zbar_state_new, zbar_state_free,
};
