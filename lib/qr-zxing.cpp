/* The zxing-cpp decoder behind the internal decoder interface (optional;
 * built when zxing-cpp is found). A C++ shim: no exception crosses into C. */
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <new>

extern "C" {
#include "qr-private.h"
}

namespace {

struct zx_state {
    ZXing::DecodeHints hints;
};

void *zx_state_new(void)
{
    zx_state *s = new (std::nothrow) zx_state;
    if (!s)
        return nullptr;
    s->hints.setFormats(ZXing::BarcodeFormat::QRCode);
    s->hints.setTryHarder(true);
    s->hints.setTryRotate(false); /* QR finder patterns are rotation-free */
    s->hints.setTryDownscale(true);
    s->hints.setBinarizer(ZXing::Binarizer::LocalAverage);
    s->hints.setMaxNumberOfSymbols(8);
    return s;
}

void zx_state_free(void *state)
{
    delete static_cast<zx_state *>(state);
}

int zx_decode(void *state, const hcode__gray *img, hcode__qr_list *found)
{
    zx_state *s = static_cast<zx_state *>(state);
    if (!s)
        return HCODE_EINVAL;
    try {
        ZXing::ImageView view(img->px, img->width, img->height, ZXing::ImageFormat::Lum, img->stride);
        ZXing::Results results = ZXing::ReadBarcodes(view, s->hints);
        for (const ZXing::Result &r : results) {
            if (!r.isValid() || r.format() != ZXing::BarcodeFormat::QRCode)
                continue;
            const ZXing::ByteArray &b = r.bytes();
            int rc = hcode__qr_list_add(found, b.data(), b.size());
            if (rc)
                return rc;
        }
    } catch (const std::bad_alloc &) {
        return HCODE_ENOMEM;
    } catch (...) {
        return HCODE_EIMAGE;
    }
    return HCODE_OK;
}

} // namespace

extern "C" const hcode__qr_decoder hcode__qr_zxing = {
    "zxing", HCODE_QR_DECODER_ZXING, zx_decode, zx_state_new, zx_state_free,
};
