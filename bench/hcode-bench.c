/* hcode-bench: every figure measured against its raw dependency in the
 * same run (see bench.md). --quick finishes within a minute on 2 cores. */
#include "bench.h"

#include <hcode.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--help")) {
            printf("usage: hcode-bench [--quick]\n\n"
                   "Prints one figure per line: name value unit. Ratios compare the\n"
                   "library with its raw dependency doing the same work in the same run\n"
                   "(medians of alternating rounds). --quick: small sizes, < 60 s.\n");
            return 0;
        } else {
            fprintf(stderr, "hcode-bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (hcode_init() != 0)
        return 3;
    bench_core(quick);
    bench_trust(quick);
    bench_store(quick);
    bench_qr(quick);
    return 0;
}
