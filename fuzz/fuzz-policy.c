/* libFuzzer: venue policy files (JSON) as hcode_policy_load reads them. */
#include <hcode.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcode_ctx *ctx;
    if (hcode_ctx_new(&ctx))
        return 0;
    hcode_policy *p = (hcode_policy *)1;
    int rc = hcode_policy_parse(ctx, (const char *)data, size, &p);
    if (rc == 0) {
        /* an accepted policy is within the documented ranges */
        if (hcode_policy_dwell(p) < 0 || hcode_policy_max_code_age(p) < 0 ||
            hcode_policy_printed(p) < HCODE_PRINTED_ACCEPT || hcode_policy_printed(p) > HCODE_PRINTED_MANUAL)
            __builtin_trap();
        if (hcode_ctx_set_policy(ctx, p))
            __builtin_trap();
    } else if (p != NULL) {
        __builtin_trap(); /* no output on failure */
    }
    hcode_ctx_free(ctx);
    return 0;
}
