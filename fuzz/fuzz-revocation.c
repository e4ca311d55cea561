/* libFuzzer: revocation-list loading, then a lookup through verify. */
#include <hcode.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The key the seed corpus (fuzz/corpus/revocation) was signed with: seed
 * bytes 1..32, region CN-370100. rl3 revokes the code below. */
static const uint8_t issuer_pk[32] = {
    0x79, 0xb5, 0x56, 0x2e, 0x8f, 0xe6, 0x54, 0xf9, 0x40, 0x78, 0xb1, 0x12, 0xe8, 0xa9, 0x8b, 0xa7,
    0x90, 0x1f, 0x85, 0x3a, 0xe6, 0x95, 0xbe, 0xd7, 0xe0, 0xe3, 0x91, 0x0b, 0xad, 0x04, 0x96, 0x64};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcode_ctx *ctx;
    if (hcode_ctx_new(&ctx))
        return 0;
    if (hcode_trust_add_key(ctx, issuer_pk, "CN-370100") == 0 &&
        hcode_revocation_load(ctx, (const char *)data, size, INT64_C(1790000000)) == 0) {
        hcode_verdict *v = NULL;
        static const char code[] =
            "HCP1:RRQT 9P60GO0S%CV 0V7RGAH8CKD77180+M86W5//6$96736CF3YPM600CF3BIMF8G+79:S0$0VY-9 7PJ60Y0085A0AFQOVL5WYAK1224:HF9TNLGS78 4I30H-OG:36G1SDHFGJH2+JBOC:.0L8F%P5I.KJ+ELEH*RULF3BSE.32FECDO8.93RQV/11 5O:OSE9UD18Z5KPA6NWI40";
        if (hcode_verify(ctx, code, sizeof code - 1, INT64_C(1790000000), &v) == 0)
            hcode_verdict_free(v);
    }
    hcode_ctx_free(ctx);
    return 0;
}
