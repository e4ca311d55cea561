/* Backend factories shared by the storage, tracing and audit tests. */
#include "backends.h"
#include "host-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char last[512];

const char *test_tmpdir(void)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "/tmp/hcode-test-XXXXXX");
    return mkdtemp(dir);
}

int factory_memory(hcode_store **out, void *arg)
{
    (void)arg;
    return hcode_store_open(out, ":memory:");
}

int factory_sqlite(hcode_store **out, void *arg)
{
    (void)arg;
    const char *d = test_tmpdir();
    if (!d)
        return HCODE_EIO;
    snprintf(last, sizeof last, "%s/checkins.db", d);
    return hcode_store_open(out, last);
}

const char *factory_sqlite_last_path(void) { return last; }

int factory_host(hcode_store **out, void *arg)
{
    (void)arg;
    return host_store_open(out, FAULT_NONE, 0, NULL);
}
