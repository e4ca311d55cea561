/* libFuzzer target: the image path a gate exposes to files and uploads —
 * the PNG/JPEG/PGM loader, then the QR decoders and verification on what
 * it yields. The trusted key has the fixed seed 00..1f. */
#include "qr-private.h"

#include <sodium.h>
#include <stdlib.h>

static hcode_ctx *ctx;

static void init(void)
{
    if (ctx)
        return;
    if (hcode_ctx_new(&ctx) != 0)
        abort();
    uint8_t seed[32], pk[32], sk[64];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    if (hcode_trust_add_key(ctx, pk, "CN-370100") != 0 || hcode_qr_set_time_budget(ctx, 50) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    hcode__gray g;
    int rc = hcode__image_decode(ctx, data, size, &g);
    if (rc) {
        if (g.px)
            abort(); /* a failed decode must not hand out pixels */
        return 0;
    }
    if (g.width <= 0 || g.height <= 0 || g.width > HCODE_IMAGE_DIM_MAX || g.height > HCODE_IMAGE_DIM_MAX)
        abort();
    /* every pixel is readable */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < (size_t)g.width * (size_t)g.height; i += 4093)
        sink ^= g.px[i];
    (void)sink;
    /* decoding cost grows with the area: keep each input fast */
    if ((size_t)g.width * (size_t)g.height <= 512 * 512) {
        hcode_scan_result *r = NULL;
        if (hcode_qr_scan_gray(ctx, g.px, g.width, g.height, g.width, 1790000000, &r) == 0) {
            for (size_t i = 0; i < hcode_scan_result_count(r); i++) {
                char *j = NULL;
                if (hcode_scan_result_to_json(r, i, "fuzz", &j) == 0)
                    hcode_free(j);
            }
            hcode_scan_result_free(r);
        }
    }
    free(g.px);
    return 0;
}
