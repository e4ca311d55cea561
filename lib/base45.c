/* Base45 (RFC 9285). */
#include "hcode-private.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

size_t hcode__base45_encoded_len(size_t n) { return n / 2 * 3 + (n % 2) * 2; }

size_t hcode__base45_encode(char *out, const uint8_t *in, size_t n)
{
    size_t o = 0, i = 0;
    for (; i + 1 < n; i += 2) {
        unsigned v = (unsigned)in[i] * 256u + in[i + 1];
        out[o++] = alphabet[v % 45];
        v /= 45;
        out[o++] = alphabet[v % 45];
        out[o++] = alphabet[v / 45];
    }
    if (i < n) {
        unsigned v = in[i];
        out[o++] = alphabet[v % 45];
        out[o++] = alphabet[v / 45];
    }
    return o;
}

static int value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    switch (c) {
    case ' ': return 36; case '$': return 37; case '%': return 38;
    case '*': return 39; case '+': return 40; case '-': return 41;
    case '.': return 42; case '/': return 43; case ':': return 44;
    default: return -1;
    }
}

size_t hcode__base45_decode(uint8_t *out, const char *in, size_t len)
{
    size_t o = 0, i = 0;
    if (len % 3 == 1)
        return (size_t)-1;
    for (; i + 2 < len; i += 3) {
        int a = value((unsigned char)in[i]), b = value((unsigned char)in[i + 1]),
            c = value((unsigned char)in[i + 2]);
        if (a < 0 || b < 0 || c < 0)
            return (size_t)-1;
        unsigned v = (unsigned)a + (unsigned)b * 45u + (unsigned)c * 2025u;
        if (v > 0xffff)
            return (size_t)-1;
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)(v & 0xff);
    }
    if (i < len) {
        int a = value((unsigned char)in[i]), b = value((unsigned char)in[i + 1]);
        if (a < 0 || b < 0)
            return (size_t)-1;
        unsigned v = (unsigned)a + (unsigned)b * 45u;
        if (v > 0xff)
            return (size_t)-1;
        out[o++] = (uint8_t)v;
    }
    return o;
}
