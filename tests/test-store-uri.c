/* The storage contract against a store given by URI in HCODE_TEST_PG_URI
 * (the PostgreSQL backend's test wires this up). */
#include "store-contract.h"

#include <stdio.h>
#include <stdlib.h>

static int factory_uri(hcode_store **out, void *arg) { return hcode_store_open(out, arg); }

int main(void)
{
    const char *uri = getenv("HCODE_TEST_PG_URI");
    if (!uri || !*uri) {
        fprintf(stderr, "HCODE_TEST_PG_URI is not set\n");
        return 2;
    }
    int failed = 0;
    printf("1..%zu\n", contract_ncases);
    for (size_t i = 0; i < contract_ncases; i++) {
        const char *m = contract_run(i, factory_uri, (void *)uri);
        printf("%s %zu - %s%s%s\n", m ? "not ok" : "ok", i + 1, contract_cases[i].name, m ? ": " : "", m ? m : "");
        failed += m != NULL;
    }
    return failed ? 1 : 0;
}
