/* A bounded well-formedness check run before libcbor's cbor_load().
 *
 * libcbor allocates a definite array or map as soon as it reads its head,
 * sized by the declared count: five hostile bytes can ask for gigabytes.
 * This walk proves first that every declared count and length fits in the
 * bytes actually present (every item needs at least one byte), that
 * nesting stays shallow, and that no indefinite-length item is used, so
 * what cbor_load() then allocates is bounded by a small multiple of the
 * input size. */
#include "hcode-private.h"

#define MAX_DEPTH 16

static int head(const uint8_t *b, size_t len, size_t *pos, unsigned *major, uint64_t *arg)
{
    if (*pos >= len)
        return -1;
    uint8_t ib = b[(*pos)++];
    unsigned ai = ib & 31;
    *major = ib >> 5;
    if (ai < 24) {
        *arg = ai;
        return 0;
    }
    if (ai > 27)
        return -1; /* reserved, or indefinite length (31) */
    size_t n = (size_t)1 << (ai - 24);
    if (len - *pos < n)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | b[(*pos)++];
    *arg = v;
    return 0;
}

static int item(const uint8_t *b, size_t len, size_t *pos, int depth)
{
    unsigned major;
    uint64_t arg;
    if (depth > MAX_DEPTH || head(b, len, pos, &major, &arg))
        return -1;
    switch (major) {
    case 0: case 1:
        return 0;
    case 2: case 3:
        if (arg > len - *pos)
            return -1;
        *pos += (size_t)arg;
        return 0;
    case 4: case 5: {
        uint64_t n = arg;
        if (major == 5) {
            if (n > (len - *pos) / 2)
                return -1;
            n *= 2;
        }
        if (n > len - *pos)
            return -1;
        for (uint64_t i = 0; i < n; i++)
            if (item(b, len, pos, depth + 1))
                return -1;
        return 0;
    }
    case 6:
        return item(b, len, pos, depth + 1);
    default: /* 7: simple values and floats; heads already consumed */
        return 0;
    }
}

int hcode__cbor_check(const uint8_t *buf, size_t len, size_t *used)
{
    size_t pos = 0;
    if (item(buf, len, &pos, 0))
        return -1;
    if (used)
        *used = pos;
    return 0;
}
