/* The storage contract suite against the PostgreSQL backend, a fresh
 * database per case (server: HCODE_TEST_PG_URI, see with-pg.sh). TAP. */
#include "store-contract.h"

#include <stdio.h>
#include <stdlib.h>

int factory_pg(hcode_store **out, void *arg);

int main(void)
{
    const char *uri = getenv("HCODE_TEST_PG_URI");
    if (!uri || !*uri) {
        printf("Bail out! HCODE_TEST_PG_URI is not set\n");
        return 1;
    }
    int failed = 0;
    printf("1..%zu\n", contract_ncases);
    for (size_t i = 0; i < contract_ncases; i++) {
        const char *m = contract_run(i, factory_pg, NULL);
        printf("%s %zu - pg %s%s%s\n", m ? "not ok" : "ok", i + 1, contract_cases[i].name, m ? ": " : "",
               m ? m : "");
        failed += m != NULL;
    }
    return failed ? 1 : 0;
}
