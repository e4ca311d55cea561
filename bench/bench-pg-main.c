/* hcode-bench-pg [--quick] [URI]: the PostgreSQL figures on their own
 * (URI or HCODE_BENCH_PG_URI / HCODE_TEST_PG_URI). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_pg(int quick, const char *uri);

int main(int argc, char **argv)
{
    int quick = 0;
    const char *uri = getenv("HCODE_BENCH_PG_URI");
    if (!uri)
        uri = getenv("HCODE_TEST_PG_URI");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else
            uri = argv[i];
    }
    if (!uri) {
        fprintf(stderr, "usage: hcode-bench-pg [--quick] postgresql://...\n");
        return 2;
    }
    bench_pg(quick, uri);
    return 0;
}
