/* Allocation-failure injection for the sweep tests: the N-th allocation
 * (malloc, calloc or realloc, from the library or any dependency) fails.
 * Include from exactly one file per test executable. */
#ifndef HCODE_TEST_ALLOC_FAIL_H
#define HCODE_TEST_ALLOC_FAIL_H

#include <check.h>
#include <errno.h>
#include <stddef.h>

/* The real allocator: glibc's, or AddressSanitizer's in the sanitizer
 * build (whose interceptors are exported under these names). */
#if defined(__SANITIZE_ADDRESS__)
#define REAL(f) __interceptor_##f
#else
#define REAL(f) __libc_##f
#endif
extern void *REAL(malloc)(size_t);
extern void *REAL(calloc)(size_t, size_t);
extern void *REAL(realloc)(void *, size_t);
extern void REAL(free)(void *);

static long countdown = -1; /* allocations left before failing; -1 never */
static long failures;

static int should_fail(void)
{
    if (countdown < 0)
        return 0;
    if (countdown == 0) {
        failures++;
        errno = ENOMEM; /* as glibc's allocator does: stdio and others rely on it */
        return 1;
    }
    countdown--;
    return 0;
}
void *malloc(size_t n) { return should_fail() ? NULL : REAL(malloc)(n); }
void *calloc(size_t a, size_t b) { return should_fail() ? NULL : REAL(calloc)(a, b); }
void *realloc(void *p, size_t n) { return should_fail() ? NULL : REAL(realloc)(p, n); }
void free(void *p) { REAL(free)(p); }

#ifndef SWEEP_MAX
#define SWEEP_MAX 2000
#endif

/* A second acceptable failure code beside HCODE_ENOMEM, for calls whose
 * dependency cannot report an allocation failure as such (each use says
 * why). */
static int also_ok = HCODE_ENOMEM;

/* Runs op_expr with the N-th allocation failing for N = 0.. until it
 * succeeds without an injected failure. A run that failed an allocation
 * but still returned 0 has recovered (fine); any other result must be
 * HCODE_ENOMEM (or also_ok), after which check_failure runs. */
#define SWEEP(op_expr, cleanup_on_success, check_failure)                                        \
    do {                                                                                         \
        long n;                                                                                  \
        for (n = 0; n < SWEEP_MAX; n++) {                                                        \
            countdown = n;                                                                       \
            failures = 0;                                                                        \
            int rc_ = (op_expr);                                                                 \
            countdown = -1;                                                                      \
            if (rc_ == 0 && failures == 0) {                                                     \
                cleanup_on_success;                                                              \
                break;                                                                           \
            }                                                                                    \
            if (rc_ == 0) {                                                                      \
                cleanup_on_success;                                                              \
                continue;                                                                        \
            }                                                                                    \
            ck_assert_msg(rc_ == HCODE_ENOMEM || rc_ == also_ok,                                \
                          "line %d: allocation %ld failing gave %d, not ENOMEM", __LINE__, n, rc_); \
            check_failure;                                                                       \
        }                                                                                        \
        ck_assert_int_lt(n, SWEEP_MAX);                                                          \
    } while (0)

#endif
