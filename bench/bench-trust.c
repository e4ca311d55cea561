/* Benchmarks of trust, revocation and presentations (bench.md):
 *   present_verify_ratio        presentation verify / raw Ed25519 verify, ops/s
 *   revocation_lookup_1m_ns     one revocation lookup with 1,000,000 ids loaded
 *   revocation_memory_1m_bytes  bytes the lookup holds for 1,000,000 ids
 *   revocation_load_1m_ms       loading (verify + check) a 1,000,000-id list
 * Medians of several repetitions, printed as `name value unit`. */
#include "hcode-private.h"
#include "trustx-private.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_trust(int quick);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what)
{
    fprintf(stderr, "bench-trust: %s failed\n", what);
    exit(1);
}

#define T0 INT64_C(1790000000)

void bench_trust(int quick)
{
    hcode_ctx *ctx;
    hcode_keypair *iss, *holder;
    if (hcode_ctx_new(&ctx) || hcode_keypair_generate(&iss, "CN-370100") ||
        hcode_keypair_generate(&holder, NULL) || hcode_trust_add_keypair(ctx, iss))
        die("setup");
    uint8_t hpk[32];
    hcode_keypair_public_key(holder, hpk);
    char *cred = NULL, *pres = NULL;
    if (hcode_issue_person(ctx, iss, "370102199001011234", HCODE_GREEN, T0, 0, NULL, 0, hpk, &cred) ||
        hcode_present(ctx, holder, cred, strlen(cred), T0, &pres))
        die("present");
    size_t plen = strlen(pres);

    /* raw: Ed25519 verify of the presentation's own signed structure */
    uint8_t cose[HCODE__COSE_MAX], tbs[HCODE__COSE_MAX + 64];
    size_t n;
    int kind;
    hcode_verdict *tmp = calloc(1, sizeof *tmp);
    hcode__cose c;
    if (!tmp || hcode__payload_unwrap(pres, plen, cose, sizeof cose, &n, &kind, tmp) ||
        hcode__cose_parse(cose, n, &c, tmp))
        die("parse");
    size_t tl = 0;
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    memcpy(tbs, head, sizeof head);
    tl = sizeof head;
    tbs[tl++] = (uint8_t)(0x40 | c.protected_len);
    memcpy(tbs + tl, c.protected_hdr, c.protected_len);
    tl += c.protected_len;
    tbs[tl++] = 0x40;
    tbs[tl++] = 0x59;
    tbs[tl++] = (uint8_t)(c.payload_len >> 8);
    tbs[tl++] = (uint8_t)c.payload_len;
    memcpy(tbs + tl, c.payload, c.payload_len);
    tl += c.payload_len;
    if (c.payload_len < 256) { /* the one-byte length head the encoder uses */
        tl -= c.payload_len + 3;
        tbs[tl++] = 0x58;
        tbs[tl++] = (uint8_t)c.payload_len;
        memcpy(tbs + tl, c.payload, c.payload_len);
        tl += c.payload_len;
    }
    if (crypto_sign_verify_detached(c.sig, tbs, tl, hpk) != 0)
        die("raw verify");

    int reps = quick ? 15 : 31, iters = quick ? 150 : 400;
    double raw[31], lib[31], ratio[31];
    for (int r = 0; r < reps; r++) {
        double t = now_s();
        for (int i = 0; i < iters; i++)
            if (crypto_sign_verify_detached(c.sig, tbs, tl, hpk) != 0)
                die("raw verify");
        raw[r] = iters / (now_s() - t);
        t = now_s();
        for (int i = 0; i < iters; i++) {
            memset(tmp, 0, sizeof *tmp);
            if (hcode__verify_into(ctx, pres, plen, T0 + 1, tmp) != HCODE_V_VALID)
                die("presentation verify");
        }
        lib[r] = iters / (now_s() - t);
        ratio[r] = lib[r] / raw[r]; /* paired: both halves see the same machine load */
    }
    double libm = median(lib, reps);
    printf("present_verify_ratio %.3f ratio\n", median(ratio, reps));
    printf("present_verify_per_s %.0f ops/s\n", libm);
    printf("presentation_chars %zu chars\n", plen);

    /* revocation at 1,000,000 ids */
    size_t nid = 1000000;
    uint8_t *ids = malloc(nid * 8);
    if (!ids)
        die("malloc");
    randombytes_buf(ids, nid * 8);
    char *rl = NULL;
    if (hcode_revocation_sign(ctx, iss, ids, nid, T0, &rl))
        die("revocation sign");
    double loads[5];
    int lreps = quick ? 3 : 5;
    for (int r = 0; r < lreps; r++) {
        hcode_ctx *c2;
        if (hcode_ctx_new(&c2) || hcode_trust_add_keypair(c2, iss))
            die("ctx");
        double t = now_s();
        if (hcode_revocation_load(c2, rl, strlen(rl), T0))
            die("revocation load");
        loads[r] = (now_s() - t) * 1e3;
        hcode_ctx_free(c2);
    }
    if (hcode_revocation_load(ctx, rl, strlen(rl), T0))
        die("revocation load");
    printf("revocation_load_1m_ms %.1f ms\n", median(loads, lreps));
    printf("revocation_memory_1m_bytes %zu bytes\n", hcode_revocation_memory(ctx));

    /* lookups: half hits, half misses, random order */
    size_t nq = 1 << 16;
    uint8_t *q = malloc(nq * 8);
    if (!q)
        die("malloc");
    randombytes_buf(q, nq * 8);
    for (size_t i = 0; i < nq; i += 2)
        memcpy(q + 8 * i, ids + 8 * (randombytes_uniform((uint32_t)nid)), 8);
    double ns[31];
    size_t hits = 0;
    for (int r = 0; r < reps; r++) {
        double t = now_s();
        for (size_t i = 0; i < nq; i++)
            hits += hcode__is_revoked(ctx, ctx->keys[0].pk, q + 8 * i);
        ns[r] = (now_s() - t) * 1e9 / (double)nq;
    }
    if (hits < (size_t)reps * nq / 2)
        die("lookup");
    printf("revocation_lookup_1m_ns %.0f ns\n", median(ns, reps));

    /* full verify of a code with the 1M list loaded vs without */
    free(q);
    free(ids);
    free(tmp);
    hcode_free(rl);
    hcode_free(cred);
    hcode_free(pres);
    hcode_keypair_free(iss);
    hcode_keypair_free(holder);
    hcode_ctx_free(ctx);
}

#ifdef BENCH_TRUST_MAIN
int main(int argc, char **argv)
{
    if (hcode_init())
        return 1;
    bench_trust(argc > 1 && !strcmp(argv[1], "--quick"));
    return 0;
}
#endif
