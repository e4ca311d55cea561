/* QR scanning: decoders (zbar, optionally zxing-cpp) over pre-processing
 * passes run cheapest-first until a code verifies, within a time budget;
 * every code found is verified, through a short-lived verdict cache. */
#include "qr-private.h"
#include "trustx-private.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 16
#define DEFAULT_BUDGET_MS 250
#define DEFAULT_CACHE_WINDOW 2
#define MAX_CODES 64   /* codes kept from one frame */

/* ---- found list ---------------------------------------------------------- */

int hcode__qr_list_add(hcode__qr_list *l, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].len == len && !memcmp(l->items[i].data, data, len))
            return HCODE_OK;
    if (l->n >= MAX_CODES || len > HCODE_PAYLOAD_MAX * 2)
        return HCODE_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        hcode__qr_found *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return HCODE_ENOMEM;
        l->items = p;
        l->cap = cap;
    }
    uint8_t *d = malloc(len + 1);
    if (!d)
        return HCODE_ENOMEM;
    if (len)
        memcpy(d, data, len);
    d[len] = '\0';
    l->items[l->n].data = d;
    l->items[l->n].len = len;
    l->n++;
    return HCODE_OK;
}

void hcode__qr_list_clear(hcode__qr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].data);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- decoders and passes ------------------------------------------------ */

static const hcode__qr_decoder *const decoders[] = {
    &hcode__qr_zbar,
#ifdef HCODE_HAVE_ZXING
    &hcode__qr_zxing,
#endif
};
#define NDECODERS (sizeof decoders / sizeof decoders[0])

enum xform { X_RAW, X_INVERT, X_STRETCH, X_THRESH, X_THRESH_INV, X_DOWN2, X_NXFORM };
static const char *const xform_names[X_NXFORM] = {"raw", "inverted", "stretch", "threshold",
                                                  "threshold-inverted", "downscale"};

typedef struct pass {
    unsigned decoder;   /* HCODE_QR_DECODER_* */
    enum xform x;
} pass;

/* Cheapest first, as measured by the benchmark on camera-like frames: each
 * pass is tried only when the ones before it found no code that verifies. */
static const pass passes[] = {
    {HCODE_QR_DECODER_ZXING, X_RAW},
    {HCODE_QR_DECODER_ZXING, X_INVERT},
    {HCODE_QR_DECODER_ZBAR, X_RAW},
    {HCODE_QR_DECODER_ZBAR, X_INVERT},
    {HCODE_QR_DECODER_ZBAR, X_STRETCH},
    {HCODE_QR_DECODER_ZBAR, X_THRESH},
    {HCODE_QR_DECODER_ZBAR, X_THRESH_INV},
    {HCODE_QR_DECODER_ZBAR, X_DOWN2},
    {HCODE_QR_DECODER_ZXING, X_THRESH},
    {HCODE_QR_DECODER_ZXING, X_DOWN2},
};
#define NPASSES (sizeof passes / sizeof passes[0])

/* ---- state ---------------------------------------------------------------- */

typedef struct cache_slot {
    bool used;
    uint8_t key[16];    /* BLAKE2b of the payload */
    int64_t at;         /* when it was verified */
    uint64_t stamp;     /* last use, for eviction */
    hcode_verdict v;
} cache_slot;

struct hcode__qr_state {
    unsigned enabled;
    int budget_ms;
    int64_t window;
    void *dec[NDECODERS];
    uint8_t trust_fp[16];
    uint64_t clock;
    cache_slot cache[CACHE_SLOTS];
    /* scratch frames, reused across calls */
    uint8_t *buf[X_NXFORM];
    size_t bufcap[X_NXFORM];
    uint32_t *integral;
    size_t integralcap;
};

unsigned hcode_qr_decoders_available(void)
{
    unsigned m = 0;
    for (size_t i = 0; i < NDECODERS; i++)
        m |= decoders[i]->id;
    return m;
}

void hcode__qr_state_free(struct hcode__qr_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < NDECODERS; i++)
        if (s->dec[i])
            decoders[i]->state_free(s->dec[i]);
    for (int i = 0; i < X_NXFORM; i++)
        free(s->buf[i]);
    free(s->integral);
    free(s);
}

static struct hcode__qr_state *state_get(hcode_ctx *ctx)
{
    if (ctx->qr)
        return ctx->qr;
    struct hcode__qr_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->enabled = hcode_qr_decoders_available();
    s->budget_ms = DEFAULT_BUDGET_MS;
    s->window = DEFAULT_CACHE_WINDOW;
    ctx->qr = s;
    return s;
}

int hcode_qr_set_decoders(hcode_ctx *ctx, unsigned mask)
{
    if (!ctx)
        return HCODE_EINVAL;
    if (!mask || (mask & ~hcode_qr_decoders_available()))
        return hcode__err(ctx, mask ? HCODE_EUNSUPPORTED : HCODE_EINVAL,
                          "decoder set 0x%x is not available in this build (have 0x%x)", mask,
                          hcode_qr_decoders_available());
    struct hcode__qr_state *s = state_get(ctx);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    s->enabled = mask;
    return HCODE_OK;
}

int hcode_qr_set_time_budget(hcode_ctx *ctx, int ms)
{
    if (!ctx)
        return HCODE_EINVAL;
    if (ms < 1 || ms > 10000)
        return hcode__err(ctx, HCODE_EINVAL, "time budget must be 1..10000 ms");
    struct hcode__qr_state *s = state_get(ctx);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    s->budget_ms = ms;
    return HCODE_OK;
}

int hcode_qr_set_cache_window(hcode_ctx *ctx, int64_t seconds)
{
    if (!ctx)
        return HCODE_EINVAL;
    if (seconds < 0 || seconds > 3600)
        return hcode__err(ctx, HCODE_EINVAL, "cache window must be 0..3600 s");
    struct hcode__qr_state *s = state_get(ctx);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    s->window = seconds;
    hcode_qr_cache_clear(ctx);
    return HCODE_OK;
}

void hcode_qr_cache_clear(hcode_ctx *ctx)
{
    if (ctx && ctx->qr)
        for (size_t i = 0; i < CACHE_SLOTS; i++)
            ctx->qr->cache[i].used = false;
}

/* ---- verdicts -------------------------------------------------------------- */

/* A fingerprint of everything a verdict depends on besides the payload and
 * the time: the trusted keys, the skew, the revocation lists (they are
 * only ever added, so their number and total size change with each load),
 * the presentation window and policy, and the replay cache (a
 * presentation that admitted someone must stop being reported valid). */
static void trust_fingerprint(const hcode_ctx *ctx, uint8_t fp[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const uint8_t *)&ctx->skew, sizeof ctx->skew);
    for (size_t i = 0; i < ctx->nkeys; i++) {
        const hcode__trust_key *k = &ctx->keys[i];
        crypto_generichash_update(&st, k->pk, sizeof k->pk);
        crypto_generichash_update(&st, (const uint8_t *)k->region, strlen(k->region) + 1);
        crypto_generichash_update(&st, (const uint8_t *)&k->not_before, sizeof k->not_before);
        crypto_generichash_update(&st, (const uint8_t *)&k->not_after, sizeof k->not_after);
        crypto_generichash_update(&st, (const uint8_t *)&k->usage, sizeof k->usage);
    }
    /* revocation lists and presentation policy change verdicts too */
    if (ctx->ts) {
        const struct hcode__tstate *t = ctx->ts;
        const int64_t more[5] = {(int64_t)t->nrev, (int64_t)t->rev_total, t->freshness,
                                 t->require_presentation, (int64_t)t->replay_gen};
        crypto_generichash_update(&st, (const uint8_t *)more, sizeof more);
    }
    crypto_generichash_final(&st, fp, 16);
}

static void verdict_for(hcode_ctx *ctx, struct hcode__qr_state *s, const uint8_t *payload,
                        size_t len, int64_t at, hcode_verdict *v)
{
    uint8_t key[16];
    if (s->window > 0) {
        crypto_generichash(key, sizeof key, payload, len, NULL, 0);
        cache_slot *victim = &s->cache[0];
        for (size_t i = 0; i < CACHE_SLOTS; i++) {
            cache_slot *c = &s->cache[i];
            if (c->used && !sodium_memcmp(c->key, key, sizeof key)) {
                /* a valid verdict is reused only while it would still be
                 * valid: not past the code's expiry or a presentation's
                 * window; otherwise this slot is verified afresh */
                if (at >= c->at && at - c->at <= s->window &&
                    (c->v.code != HCODE_V_VALID ||
                     (at <= c->v.exp + ctx->skew && (!c->v.has_pres_id || at <= c->v.pres_until)))) {
                    c->stamp = ++s->clock;
                    *v = c->v;
                    return;
                }
                victim = c;
                break;
            }
            if (!c->used || (victim->used && c->stamp < victim->stamp))
                victim = c;
        }
        hcode__verify_into(ctx, (const char *)payload, len, at, v);
        victim->used = true;
        memcpy(victim->key, key, sizeof key);
        victim->at = at;
        victim->stamp = ++s->clock;
        victim->v = *v;
        return;
    }
    hcode__verify_into(ctx, (const char *)payload, len, at, v);
}

/* ---- pre-processing -------------------------------------------------------- */

static uint8_t *scratch(struct hcode__qr_state *s, int slot, size_t n)
{
    if (s->bufcap[slot] < n) {
        uint8_t *p = realloc(s->buf[slot], n);
        if (!p)
            return NULL;
        s->buf[slot] = p;
        s->bufcap[slot] = n;
    }
    return s->buf[slot];
}

/* A tightly packed copy (stride == width) of the caller's frame. */
static int make_raw(struct hcode__qr_state *s, const uint8_t *px, int w, int h, int stride,
                    hcode__gray *out)
{
    if (stride == w) {
        out->px = (uint8_t *)px;
    } else {
        uint8_t *d = scratch(s, X_RAW, (size_t)w * (size_t)h);
        if (!d)
            return HCODE_ENOMEM;
        for (int y = 0; y < h; y++)
            memcpy(d + (size_t)y * (size_t)w, px + (size_t)y * (size_t)stride, (size_t)w);
        out->px = d;
    }
    out->width = out->stride = w;
    out->height = h;
    return HCODE_OK;
}

static void apply_lut(const hcode__gray *in, uint8_t *d, const uint8_t lut[256])
{
    size_t n = (size_t)in->width * (size_t)in->height;
    for (size_t i = 0; i < n; i++)
        d[i] = lut[in->px[i]];
}

/* Mean over a window of side ~ 1/8 of the smaller dimension (at least 15
 * pixels): a pixel darker than its surroundings' mean minus a margin is dark. */
static int local_threshold(struct hcode__qr_state *s, const hcode__gray *in, uint8_t *d, bool inv)
{
    size_t w = (size_t)in->width, h = (size_t)in->height;
    size_t iw = w + 1;
    size_t need = iw * (h + 1);
    if (s->integralcap < need) {
        uint32_t *p = realloc(s->integral, need * sizeof *p);
        if (!p)
            return HCODE_ENOMEM;
        s->integral = p;
        s->integralcap = need;
    }
    uint32_t *I = s->integral;
    memset(I, 0, iw * sizeof *I);
    for (size_t y = 0; y < h; y++) {
        uint32_t row = 0;
        const uint8_t *src = in->px + y * w;
        uint32_t *cur = I + (y + 1) * iw, *prev = I + y * iw;
        cur[0] = 0;
        for (size_t x = 0; x < w; x++) {
            row += src[x];
            cur[x + 1] = prev[x + 1] + row;
        }
    }
    size_t m = w < h ? w : h;
    size_t r = m / 16;
    if (r < 7)
        r = 7;
    if (r > 40)
        r = 40;
    uint8_t dark = inv ? 255 : 0, light = inv ? 0 : 255;
    for (size_t y = 0; y < h; y++) {
        size_t y0 = y > r ? y - r : 0, y1 = y + r + 1 < h ? y + r + 1 : h;
        const uint32_t *a = I + y0 * iw, *b = I + y1 * iw;
        const uint8_t *src = in->px + y * w;
        uint8_t *dst = d + y * w;
        for (size_t x = 0; x < w; x++) {
            size_t x0 = x > r ? x - r : 0, x1 = x + r + 1 < w ? x + r + 1 : w;
            uint32_t sum = b[x1] - b[x0] - a[x1] + a[x0];
            uint32_t cnt = (uint32_t)((x1 - x0) * (y1 - y0));
            /* dark when below 95% of the local mean */
            dst[x] = (uint32_t)src[x] * cnt * 20 < sum * 19 ? dark : light;
        }
    }
    return HCODE_OK;
}

static int transform(struct hcode__qr_state *s, enum xform x, const hcode__gray *raw,
                     hcode__gray *out)
{
    if (x == X_RAW) {
        *out = *raw;
        return HCODE_OK;
    }
    size_t n = (size_t)raw->width * (size_t)raw->height;
    uint8_t *d = scratch(s, x, n ? n : 1);
    if (!d)
        return HCODE_ENOMEM;
    *out = *raw;
    out->px = d;
    uint8_t lut[256];
    switch (x) {
    case X_INVERT:
        for (int i = 0; i < 256; i++)
            lut[i] = (uint8_t)(255 - i);
        apply_lut(raw, d, lut);
        return HCODE_OK;
    case X_STRETCH: {
        /* map the 1st..99th percentile onto 0..255 */
        size_t hist[256] = {0};
        for (size_t i = 0; i < n; i++)
            hist[raw->px[i]]++;
        size_t lo = 0, hi = 255, acc = 0;
        while (lo < 255 && (acc += hist[lo]) < n / 100)
            lo++;
        acc = 0;
        while (hi > 0 && (acc += hist[hi]) < n / 100)
            hi--;
        if (hi <= lo)
            hi = lo + 1;
        for (int i = 0; i < 256; i++) {
            long v = ((long)i - (long)lo) * 255 / ((long)hi - (long)lo);
            lut[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        apply_lut(raw, d, lut);
        return HCODE_OK;
    }
    case X_THRESH:
    case X_THRESH_INV:
        return local_threshold(s, raw, d, x == X_THRESH_INV);
    case X_DOWN2: {
        int w2 = raw->width / 2, h2 = raw->height / 2;
        if (w2 < 1 || h2 < 1)
            return HCODE_ENOTFOUND;
        for (int y = 0; y < h2; y++) {
            const uint8_t *a = raw->px + (size_t)(2 * y) * (size_t)raw->width;
            const uint8_t *b = a + raw->width;
            uint8_t *o = d + (size_t)y * (size_t)w2;
            for (int xx = 0; xx < w2; xx++)
                o[xx] = (uint8_t)((a[2 * xx] + a[2 * xx + 1] + b[2 * xx] + b[2 * xx + 1] + 2) / 4);
        }
        out->width = out->stride = w2;
        out->height = h2;
        return HCODE_OK;
    }
    default:
        return HCODE_EINVAL;
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- results ---------------------------------------------------------------- */

typedef struct scan_item {
    uint8_t *payload;
    size_t len;
    hcode_verdict v;
} scan_item;

struct hcode_scan_result {
    size_t n;
    scan_item *items;
    char pass[48];
};

void hcode_scan_result_free(hcode_scan_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].payload);
    free(r->items);
    free(r);
}

size_t hcode_scan_result_count(const hcode_scan_result *r) { return r ? r->n : 0; }

const char *hcode_scan_result_payload(const hcode_scan_result *r, size_t i)
{
    return r && i < r->n ? (const char *)r->items[i].payload : NULL;
}

size_t hcode_scan_result_payload_len(const hcode_scan_result *r, size_t i)
{
    return r && i < r->n ? r->items[i].len : 0;
}

const hcode_verdict *hcode_scan_result_verdict(const hcode_scan_result *r, size_t i)
{
    return r && i < r->n ? &r->items[i].v : NULL;
}

const char *hcode_scan_result_pass(const hcode_scan_result *r) { return r ? r->pass : ""; }

/* ---- the scan ------------------------------------------------------------ */

static int scan_gray(hcode_ctx *ctx, const uint8_t *px, int w, int h, int stride, int64_t at,
                     hcode_scan_result **out)
{
    struct hcode__qr_state *s = state_get(ctx);
    if (!s)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    at = hcode__resolve_at(at);
    double deadline = now_ms() + s->budget_ms;
    hcode__gray raw;
    int rc = make_raw(s, px, w, h, stride, &raw);
    if (rc)
        return hcode__err(ctx, rc, "out of memory");
    if (s->window > 0) {
        uint8_t fp[16];
        trust_fingerprint(ctx, fp);
        if (memcmp(fp, s->trust_fp, sizeof fp)) {
            hcode_qr_cache_clear(ctx);
            memcpy(s->trust_fp, fp, sizeof fp);
        }
    }
    hcode_scan_result *r = calloc(1, sizeof *r);
    hcode__qr_list found = {0};
    if (!r)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    size_t verified = 0; /* found[0..verified) have verdicts in r */
    bool done = false;
    for (size_t p = 0; p < NPASSES && !done; p++) {
        const pass *ps = &passes[p];
        if (!(s->enabled & ps->decoder))
            continue;
        size_t di = 0;
        while (di < NDECODERS && decoders[di]->id != ps->decoder)
            di++;
        if (di == NDECODERS)
            continue;
        if (p > 0 && now_ms() > deadline)
            break;
        if (!s->dec[di] && !(s->dec[di] = decoders[di]->state_new())) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "%s decoder could not be set up", decoders[di]->name);
            goto fail;
        }
        hcode__gray img;
        rc = transform(s, ps->x, &raw, &img);
        if (rc == HCODE_ENOTFOUND)
            continue;
        if (rc) {
            rc = hcode__err(ctx, rc, "out of memory");
            goto fail;
        }
        /* a decoder's internal failure is "nothing found"; only running
         * out of memory stops the scan */
        if (decoders[di]->decode(s->dec[di], &img, &found) == HCODE_ENOMEM) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto fail;
        }
        if (found.n > verified) {
            scan_item *items = realloc(r->items, found.n * sizeof *items);
            if (!items) {
                rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
                goto fail;
            }
            r->items = items;
            for (; verified < found.n; verified++) {
                scan_item *it = &r->items[r->n];
                verdict_for(ctx, s, found.items[verified].data, found.items[verified].len, at,
                            &it->v);
                it->payload = found.items[verified].data;
                it->len = found.items[verified].len;
                r->n++;
                if (it->v.code == HCODE_V_VALID && !done) {
                    done = true;
                    snprintf(r->pass, sizeof r->pass, "%s/%s", decoders[di]->name,
                             xform_names[ps->x]);
                }
            }
        }
    }
    /* the payloads now belong to the result */
    free(found.items);
    *out = r;
    return HCODE_OK;
fail:
    r->n = 0; /* its payloads are still the list's */
    hcode__qr_list_clear(&found);
    hcode_scan_result_free(r);
    return rc;
}

int hcode_qr_scan_gray(hcode_ctx *ctx, const uint8_t *pixels, int width, int height, int stride,
                       int64_t at, hcode_scan_result **out)
{
    if (!out)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *out = NULL;
    if (!ctx || !pixels)
        return hcode__err(ctx, HCODE_EINVAL, "no frame");
    hcode__clear_err(ctx);
    if (width <= 0 || height <= 0 || stride < width)
        return hcode__err(ctx, HCODE_EINVAL, "bad frame geometry %dx%d stride %d", width, height,
                          stride);
    if (width > HCODE_IMAGE_DIM_MAX || height > HCODE_IMAGE_DIM_MAX)
        return hcode__err(ctx, HCODE_ELIMIT, "frame %dx%d larger than %dx%d", width, height,
                          HCODE_IMAGE_DIM_MAX, HCODE_IMAGE_DIM_MAX);
    return scan_gray(ctx, pixels, width, height, stride, at, out);
}

int hcode_qr_scan_image_bytes(hcode_ctx *ctx, const uint8_t *bytes, size_t len, int64_t at,
                              hcode_scan_result **out)
{
    if (!out)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *out = NULL;
    if (!ctx || (!bytes && len))
        return hcode__err(ctx, HCODE_EINVAL, "no image");
    hcode__clear_err(ctx);
    hcode__gray img;
    int rc = hcode__image_decode(ctx, bytes, len, &img);
    if (rc)
        return rc;
    rc = scan_gray(ctx, img.px, img.width, img.height, img.stride, at, out);
    free(img.px);
    return rc;
}

int hcode_qr_scan_file(hcode_ctx *ctx, const char *path, int64_t at, hcode_scan_result **out)
{
    if (!out)
        return hcode__err(ctx, HCODE_EINVAL, "no output");
    *out = NULL;
    if (!ctx || !path)
        return hcode__err(ctx, HCODE_EINVAL, "no path");
    hcode__clear_err(ctx);
    hcode__gray img;
    int rc = hcode__image_load_file(ctx, path, &img);
    if (rc)
        return rc;
    rc = scan_gray(ctx, img.px, img.width, img.height, img.stride, at, out);
    free(img.px);
    return rc;
}
