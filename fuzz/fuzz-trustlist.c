/* libFuzzer: trust-list loading (text and binary forms) under a fixed root. */
#include <hcode.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The key the seed corpus (fuzz/corpus/trustlist) was signed with: seed
 * bytes 1..32, region CN-370100. Lists under it reach the entry parser. */
static const uint8_t root_pk[32] = {
    0x79, 0xb5, 0x56, 0x2e, 0x8f, 0xe6, 0x54, 0xf9, 0x40, 0x78, 0xb1, 0x12, 0xe8, 0xa9, 0x8b, 0xa7,
    0x90, 0x1f, 0x85, 0x3a, 0xe6, 0x95, 0xbe, 0xd7, 0xe0, 0xe3, 0x91, 0x0b, 0xad, 0x04, 0x96, 0x64};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcode_ctx *ctx;
    if (hcode_ctx_new(&ctx))
        return 0;
    if (hcode_trustlist_load(ctx, (const char *)data, size, root_pk, INT64_C(1790000000)) == 0 &&
        hcode_trust_count(ctx) == 0)
        __builtin_trap(); /* a loaded list has at least one entry */
    hcode_ctx_free(ctx);
    return 0;
}
