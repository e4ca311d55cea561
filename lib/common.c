/* Errors, contexts, time and small helpers. */
#include "hcode-private.h"
#include "trustx-private.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *hcode_version(void) { return HCODE_VERSION_STRING; }

const char *hcode_strerror(int code)
{
    switch (code) {
    case HCODE_OK: return "success";
    case HCODE_EINVAL: return "invalid argument";
    case HCODE_ENOMEM: return "out of memory";
    case HCODE_EIO: return "input/output error";
    case HCODE_EFORMAT: return "bad file format";
    case HCODE_EPERM: return "secret file is readable by group or others";
    case HCODE_EEXIST: return "file exists";
    case HCODE_ECRYPTO: return "cryptography failure";
    case HCODE_ELIMIT: return "input exceeds limit";
    case HCODE_ENOTFOUND: return "not found";
    case HCODE_ESTORE: return "storage backend error";
    case HCODE_EAUDIT: return "audit log error";
    case HCODE_ETRUST: return "trust or revocation list rejected";
    case HCODE_EIMAGE: return "image could not be decoded";
    case HCODE_EUNSUPPORTED: return "not supported by this build";
    case HCODE_ECALLBACK: return "host callback failed";
    case HCODE_EBUSY: return "busy";
    default: return "unknown error";
    }
}

int hcode_init(void)
{
    return sodium_init() < 0 ? HCODE_ECRYPTO : HCODE_OK;
}

void hcode_free(void *p) { free(p); }

int64_t hcode_now_sentinel(void) { return HCODE_NOW; }

int64_t hcode_time_now(void) { return (int64_t)time(NULL); }

int64_t hcode__resolve_at(int64_t at) { return at == HCODE_NOW ? hcode_time_now() : at; }

int hcode_ctx_new(hcode_ctx **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (hcode_init() != HCODE_OK)
        return HCODE_ECRYPTO;
    hcode_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return HCODE_ENOMEM;
    ctx->skew = HCODE_DEFAULT_SKEW;
    *out = ctx;
    return HCODE_OK;
}

void hcode__random(hcode_ctx *ctx, uint8_t *out, size_t n)
{
    if (n > sizeof ctx->rand_pool) {
        randombytes_buf(out, n);
        return;
    }
    if (ctx->rand_left < n || ctx->rand_pid != (long)getpid()) {
        ctx->rand_pid = (long)getpid();
        randombytes_buf(ctx->rand_pool, sizeof ctx->rand_pool);
        ctx->rand_left = sizeof ctx->rand_pool;
    }
    uint8_t *src = ctx->rand_pool + sizeof ctx->rand_pool - ctx->rand_left;
    memcpy(out, src, n);
    sodium_memzero(src, n);
    ctx->rand_left -= n;
}

void hcode_ctx_free(hcode_ctx *ctx)
{
    if (!ctx)
        return;
    hcode__qr_state_free(ctx->qr);
    free(ctx->keys);
    hcode__tstate_free(ctx->ts);
    hcode_store_free(ctx->store);
    hcode_policy_free(ctx->policy);
    hcode_keypair_free(ctx->audit_key);
    free(ctx->audit_head);
    free(ctx);
}

const char *hcode_errmsg(const hcode_ctx *ctx)
{
    return ctx ? ctx->errmsg : "no context";
}

int hcode__err(hcode_ctx *ctx, int code, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void hcode__clear_err(hcode_ctx *ctx)
{
    if (ctx)
        ctx->errmsg[0] = '\0';
}

int hcode_ctx_set_skew(hcode_ctx *ctx, int64_t seconds)
{
    if (!ctx)
        return HCODE_EINVAL;
    if (seconds < 0 || seconds > 7 * 24 * 3600)
        return hcode__err(ctx, HCODE_EINVAL, "clock skew must be between 0 and 7 days");
    ctx->skew = seconds;
    return HCODE_OK;
}

int64_t hcode_ctx_skew(const hcode_ctx *ctx) { return ctx ? ctx->skew : -1; }

void hcode__hex(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hcode__unhex(uint8_t *out, size_t n, const char *in, size_t inlen)
{
    if (inlen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

bool hcode__region_ok(const char *region)
{
    if (!region)
        return false;
    size_t n = strlen(region);
    if (n == 0 || n > HCODE_REGION_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (region[i] <= ' ' || region[i] > '~' || region[i] == '"' || region[i] == '\\')
            return false;
    return true;
}

/* UTF-8 text without control characters, 1..max bytes. */
bool hcode__text_ok(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; }
        else return false;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}
