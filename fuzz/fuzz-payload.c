/* libFuzzer target: the payload decoder (text -> verdict), plus the COSE
 * envelope and claims decoders on raw bytes so that mutations reach them
 * without a valid signature. The trusted key has the fixed seed 00..1f,
 * the key the seed corpus was issued with (fuzz/make-corpus.sh). */
#include "hcode-private.h"

#include <stdlib.h>
#include <sodium.h>
#include <string.h>

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
    if (hcode_trust_add_key(ctx, pk, "CN-370100") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    hcode_verdict v;
    if (size > 0 && data[0] == 0x00) {
        /* raw claims map */
        memset(&v, 0, sizeof v);
        hcode__claims_decode(data + 1, size - 1, &v);
        return 0;
    }
    if (size > 0 && data[0] == 0x01) {
        /* raw COSE bytes through the whole pipeline after Base45 */
        memset(&v, 0, sizeof v);
        hcode__verify_cose(ctx, data + 1, size - 1, HCODE_KIND_PERSON, 1795356000, &v);
        return 0;
    }
    hcode_verdict *out = NULL;
    if (hcode_verify(ctx, (const char *)data, size, 1795356000, &out) == 0) {
        if (hcode_verdict_valid(out) && hcode_verdict_kind(out) == 0)
            abort(); /* a valid verdict always has a kind */
        char *json = NULL;
        if (hcode_verdict_to_json(out, &json) == 0)
            hcode_free(json);
    }
    hcode_verdict_free(out);
    return 0;
}
