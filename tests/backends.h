/* Backend factories shared by the storage, tracing and audit tests. */
#ifndef HCODE_TEST_BACKENDS_H
#define HCODE_TEST_BACKENDS_H
#include <hcode.h>
#include <hcode/sys/store.h>

int factory_memory(hcode_store **out, void *arg);
/* A new SQLite file in a fresh temporary directory each time. */
int factory_sqlite(hcode_store **out, void *arg);
int factory_host(hcode_store **out, void *arg);
/* Path of the last file factory_sqlite created. */
const char *factory_sqlite_last_path(void);
/* A fresh temporary directory (static buffer). */
const char *test_tmpdir(void);
#endif
