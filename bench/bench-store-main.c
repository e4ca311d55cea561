/* Runs the storage benchmarks alone: hcode-bench-store [--quick]. */
#include "bench-store.h"

#include <string.h>

int main(int argc, char **argv)
{
    bench_store(argc > 1 && !strcmp(argv[1], "--quick"));
    return 0;
}
