/* Core figures: verify_ratio, issue_ratio, code sizes (QR versions), and
 * the heap a verify needs. */
#include "bench.h"
#include "hcode-private.h"

#include <malloc.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1795356000)

typedef struct core {
    hcode_ctx *ctx;
    hcode_keypair *kp;
    char *payload;
    size_t plen;
    /* the same signed bytes, for the raw side */
    uint8_t tbs[512];
    size_t tbslen;
    uint8_t sig[64];
    uint8_t pk[32];
    volatile int sink;
} core;

static void ours_verify(void *arg)
{
    core *c = arg;
    hcode_verdict *v;
    if (hcode_verify(c->ctx, c->payload, c->plen, T0, &v) != 0 || !hcode_verdict_valid(v))
        abort();
    hcode_verdict_free(v);
}

static void raw_verify(void *arg)
{
    core *c = arg;
    c->sink += crypto_sign_verify_detached(c->sig, c->tbs, c->tbslen, c->pk);
}

static void ours_issue(void *arg)
{
    core *c = arg;
    char *p;
    if (hcode_issue_person(c->ctx, c->kp, "370102199003077777", HCODE_GREEN, T0, 86400, NULL, 0, NULL, &p))
        abort();
    hcode_free(p);
}

static void raw_issue(void *arg)
{
    core *c = arg;
    crypto_sign_detached(c->sig, NULL, c->tbs, c->tbslen, c->kp->sk);
}

static int qr_version(const char *text, QRecLevel level)
{
    QRcode *q = QRcode_encodeString(text, 0, level, QR_MODE_8, 1);
    int v = q ? q->version : -1;
    QRcode_free(q);
    return v;
}

/* Heap accounting: malloc and friends interposed for the whole process
 * (glibc's own implementations stay reachable as __libc_*), counting only
 * while `counting` is set. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static int counting;
static long heap_now, heap_peak, heap_calls;

static void account(void *p, int sign)
{
    if (!counting || !p)
        return;
    heap_now += sign * (long)malloc_usable_size(p);
    if (sign > 0)
        heap_calls++;
    if (heap_now > heap_peak)
        heap_peak = heap_now;
}
void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    account(p, 1);
    return p;
}
void *calloc(size_t a, size_t b)
{
    void *p = __libc_calloc(a, b);
    account(p, 1);
    return p;
}
void *realloc(void *q, size_t n)
{
    account(q, -1);
    void *p = __libc_realloc(q, n);
    account(p ? p : q, 1);
    return p;
}
void free(void *p)
{
    account(p, -1);
    __libc_free(p);
}

void bench_core(int quick)
{
    core c;
    memset(&c, 0, sizeof c);
    if (hcode_ctx_new(&c.ctx) || hcode_keypair_generate(&c.kp, "CN-370100") ||
        hcode_trust_add_keypair(c.ctx, c.kp))
        abort();
    if (hcode_issue_person(c.ctx, c.kp, "370102199003077777", HCODE_GREEN, T0, 86400, NULL, 0, NULL,
                           &c.payload))
        abort();
    c.plen = strlen(c.payload);
    /* rebuild the exact to-be-signed bytes of this payload for the raw side */
    uint8_t cose[HCODE__COSE_MAX];
    size_t n = hcode__base45_decode(cose, c.payload + 5, c.plen - 5);
    hcode__cose env;
    hcode_verdict v;
    if (hcode__cose_parse(cose, n, &env, &v))
        abort();
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    memcpy(c.tbs, head, sizeof head);
    c.tbslen = sizeof head;
    c.tbs[c.tbslen++] = (uint8_t)(0x40 | env.protected_len);
    memcpy(c.tbs + c.tbslen, env.protected_hdr, env.protected_len);
    c.tbslen += env.protected_len;
    c.tbs[c.tbslen++] = 0x40;
    c.tbs[c.tbslen++] = 0x58;
    c.tbs[c.tbslen++] = (uint8_t)env.payload_len;
    memcpy(c.tbs + c.tbslen, env.payload, env.payload_len);
    c.tbslen += env.payload_len;
    memcpy(c.sig, env.sig, 64);
    hcode_keypair_public_key(c.kp, c.pk);
    if (crypto_sign_verify_detached(c.sig, c.tbs, c.tbslen, c.pk) != 0)
        abort();

    int rounds = quick ? 5 : 11;
    long vit = quick ? 1500 : 6000, sit = quick ? 3000 : 12000;
    double ours, raw;
    double r = bench_ratio(ours_verify, raw_verify, &c, vit, rounds, &ours, &raw);
    bench_figure("verify_per_s", ours, "ops/s");
    bench_figure("raw_verify_per_s", raw, "ops/s");
    bench_figure("verify_ratio", r, "x");
    r = bench_ratio(ours_issue, raw_issue, &c, sit, rounds, &ours, &raw);
    bench_figure("issue_per_s", ours, "ops/s");
    bench_figure("raw_sign_per_s", raw, "ops/s");
    bench_figure("issue_ratio", r, "x");

    /* sizes */
    char *venue, *named;
    if (hcode_issue_venue(c.ctx, c.kp, "370102-000123", "Quancheng Plaza", NULL, "mall", T0, 0, &venue) ||
        hcode_issue_person(c.ctx, c.kp, "370102199003077777", HCODE_GREEN, T0, 86400, "张*三", 0, NULL, &named))
        abort();
    bench_figure("person_code_chars", (double)c.plen, "chars");
    bench_figure("person_code_qr_version_q", qr_version(c.payload, QR_ECLEVEL_Q), "version");
    bench_figure("person_code_qr_version_m", qr_version(c.payload, QR_ECLEVEL_M), "version");
    bench_figure("person_code_named_qr_version_q", qr_version(named, QR_ECLEVEL_Q), "version");
    bench_figure("venue_code_chars", (double)strlen(venue), "chars");
    bench_figure("venue_code_qr_version_q", qr_version(venue, QR_ECLEVEL_Q), "version");

    /* heap used by one verify: libcbor's items plus the verdict */
    heap_now = heap_peak = heap_calls = 0;
    counting = 1;
    ours_verify(&c);
    counting = 0;
    bench_figure("verify_heap_peak_bytes", (double)heap_peak, "bytes");
    bench_figure("verify_heap_allocations", (double)heap_calls, "allocs");
    bench_figure("verify_stack_buffers_bytes", (double)(HCODE__COSE_MAX * 2 + 64), "bytes");

    hcode_free(venue);
    hcode_free(named);
    hcode_free(c.payload);
    hcode_keypair_free(c.kp);
    hcode_ctx_free(c.ctx);
}
