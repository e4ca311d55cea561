/* Backend factory for the shared storage and tracing tests: a fresh
 * database on the PostgreSQL server of HCODE_TEST_PG_URI for every store. */
#include "pg-server.h"

#include <hcode.h>
#include <stdlib.h>

int factory_pg(hcode_store **out, void *arg);

int factory_pg(hcode_store **out, void *arg)
{
    (void)arg;
    char *uri = pg_fresh_db();
    int rc = hcode_store_open(out, uri);
    free(uri);
    return rc;
}
