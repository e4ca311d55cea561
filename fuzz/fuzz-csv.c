/* libFuzzer: CSV import of legacy registers (hcode_import_csv), into the
 * memory store. Every row is either stored or rejected; the importer never
 * fails on input alone. */
#include <hcode.h>
#include <hcode/import.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static hcode_keypair *kp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kp && hcode_keypair_generate(&kp, "CN-370100"))
        abort();
    int fd = memfd_create("csv", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    hcode_store *st;
    hcode_import *im;
    if (hcode_store_open(&st, ":memory:")) {
        close(fd);
        return 0;
    }
    if (hcode_import_new(&im, st, kp) == 0) {
        hcode_import_allow_any_venue(im, 1);
        hcode_import_set_now(im, 1795356000);
        if (hcode_import_set_batch_rows(im, 3))
            abort();
        int rc = hcode_import_csv(im, path);
        uint64_t rows = hcode_import_count(im, HCODE_IMPORT_ROWS);
        uint64_t ok = hcode_import_count(im, HCODE_IMPORT_IMPORTED);
        uint64_t bad = hcode_import_count(im, HCODE_IMPORT_REJECTED);
        /* input alone never makes the import fail, and every row is accounted for */
        if (rc != 0 && rc != HCODE_ENOMEM && rc != HCODE_ELIMIT)
            abort();
        if (rc == 0 && ok + bad != rows)
            abort();
        hcode_import_free(im);
    }
    hcode_store_free(st);
    close(fd);
    return 0;
}
