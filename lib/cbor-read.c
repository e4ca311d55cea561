/* A small allocation-free CBOR reader (RFC 8949), definite lengths only. */
#include "cbor-read.h"

int hcode__cr_head(hcode__cr *r, uint64_t *val)
{
    if (r->pos >= r->len)
        return -1;
    uint8_t ib = r->p[r->pos++];
    int major = ib >> 5;
    unsigned ai = ib & 31;
    if (ai < 24) {
        *val = ai;
        return major;
    }
    size_t k;
    switch (ai) {
    case 24: k = 1; break;
    case 25: k = 2; break;
    case 26: k = 4; break;
    case 27: k = 8; break;
    default: return -1; /* 28..30 reserved, 31 indefinite */
    }
    if (r->len - r->pos < k)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++)
        v = v << 8 | r->p[r->pos++];
    *val = v;
    return major;
}

bool hcode__cr_int(hcode__cr *r, int64_t *v)
{
    uint64_t u;
    int m = hcode__cr_head(r, &u);
    if ((m != 0 && m != 1) || u > (uint64_t)INT64_MAX)
        return false;
    *v = m == 0 ? (int64_t)u : -1 - (int64_t)u;
    return true;
}

static bool string(hcode__cr *r, int want, const uint8_t **p, size_t *n)
{
    uint64_t u;
    if (hcode__cr_head(r, &u) != want || u > r->len - r->pos)
        return false;
    *p = r->p + r->pos;
    *n = (size_t)u;
    r->pos += (size_t)u;
    return true;
}

bool hcode__cr_bytes(hcode__cr *r, const uint8_t **p, size_t *n) { return string(r, 2, p, n); }

bool hcode__cr_text(hcode__cr *r, const char **p, size_t *n)
{
    return string(r, 3, (const uint8_t **)p, n);
}

static bool container(hcode__cr *r, int want, size_t *n)
{
    uint64_t u;
    if (hcode__cr_head(r, &u) != want || u > r->len - r->pos)
        return false;
    *n = (size_t)u;
    return true;
}

bool hcode__cr_map(hcode__cr *r, size_t *n) { return container(r, 5, n); }
bool hcode__cr_array(hcode__cr *r, size_t *n) { return container(r, 4, n); }

static bool walk(hcode__cr *r, int depth)
{
    uint64_t u;
    if (depth < 0)
        return false;
    int m = hcode__cr_head(r, &u);
    switch (m) {
    case 0: case 1: return true;
    case 2: case 3:
        if (u > r->len - r->pos)
            return false;
        r->pos += (size_t)u;
        return true;
    case 4: case 5: {
        if (u > r->len - r->pos)
            return false;
        uint64_t items = m == 5 ? 2 * u : u;
        for (uint64_t i = 0; i < items; i++)
            if (!walk(r, depth - 1))
                return false;
        return true;
    }
    case 6: return walk(r, depth - 1);
    case 7: return true; /* simple values and floats: the head holds them */
    default: return false;
    }
}

bool hcode__cbor_wellformed(const uint8_t *buf, size_t len, int max_depth)
{
    hcode__cr r = {buf, len, 0};
    return walk(&r, max_depth) && r.pos == len;
}

bool hcode__cbor_prefix(const uint8_t *buf, size_t len, int max_depth, size_t *used)
{
    hcode__cr r = {buf, len, 0};
    if (!walk(&r, max_depth))
        return false;
    *used = r.pos;
    return true;
}
