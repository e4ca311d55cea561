/* The storage contract: cases every backend (built-in, host, PostgreSQL)
 * must pass. Each case gets a freshly opened store and returns NULL when
 * the backend honours the contract, or a message saying what it broke.
 * Cases use random subjects, venues and record ids, so they also run
 * against a persistent database that already holds data. */
#ifndef HCODE_STORE_CONTRACT_H
#define HCODE_STORE_CONTRACT_H

#include <hcode.h>
#include <hcode/sys/store.h>

typedef struct contract_case {
    const char *name;
    const char *(*run)(hcode_store *st);
} contract_case;

extern const contract_case contract_cases[];
extern const size_t contract_ncases;

/* Opens a store (a backend factory). Returns 0 or an HCODE_E* code. */
typedef int (*contract_factory)(hcode_store **out, void *arg);

/* Runs case i on a fresh store; NULL on success, else a message (static
 * storage, valid until the next call). */
const char *contract_run(size_t i, contract_factory make, void *arg);

#endif
