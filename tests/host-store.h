/* A host-style storage backend written the way an application would:
 * a plain array behind hcode_store_ops (no put_batch, no purge, no audit:
 * the library's fallbacks are exercised), with switchable faults. */
#ifndef HCODE_TEST_HOST_STORE_H
#define HCODE_TEST_HOST_STORE_H
#include <hcode.h>
#include <hcode/sys/store.h>

enum host_fault {
    FAULT_NONE,
    FAULT_FAIL_NTH,     /* the N-th put returns HCODE_EIO */
    FAULT_GARBAGE,      /* put returns 7, queries return -999 */
    FAULT_LIE,          /* put returns 0 without storing */
    FAULT_BAD_RECORD,   /* queries hand out a record with a NULL subject */
};

typedef struct host_store host_store;
/* Opens a host store; *hs (may be NULL) receives its state for tests. */
int host_store_open(hcode_store **out, enum host_fault fault, int nth, host_store **hs);
size_t host_store_count(const host_store *hs);
int host_store_puts(const host_store *hs);
#endif
