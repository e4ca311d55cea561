// zxing-cpp's ReadBarcodes alone, QR only, default hints: the reference
// the scan figure is compared with.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <cstdint>

extern "C" int bench_zxing_read(const uint8_t *px, int w, int h);

extern "C" int bench_zxing_read(const uint8_t *px, int w, int h)
{
    try {
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode);
        ZXing::ImageView view(px, w, h, ZXing::ImageFormat::Lum);
        return (int)ZXing::ReadBarcodes(view, hints).size();
    } catch (...) {
        return -1;
    }
}
