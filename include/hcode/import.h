/* libhcode: bulk import of legacy check-in registers (CSV).
 *
 * Rows: identifier, venue id, time in [, time out [, status]]. An optional
 * header row (its time-in field does not start with a digit) is skipped.
 * CSV per RFC 4180: quoted fields (with "" for a quote, commas and line
 * breaks inside), a UTF-8 byte-order mark, CRLF or LF line ends.
 *
 * Each row is validated:
 *  - identifier: an 18-character Chinese resident ID (GB 11643: 17 digits and
 *    a check character 0-9/X, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
 *    sum mod 11 -> 1 0 X 9 8 7 6 5 4 3 2) with a plausible birth date; a
 *    15-digit first-generation ID with a plausible birth date; or another
 *    document number (letters and digits, 5..32 characters, at least one
 *    letter other than a final X). A number-only identifier of another length
 *    is refused.
 *  - venue id: known (hcode_import_add_venue / hcode_import_load_venues),
 *    unless any venue is allowed (hcode_import_allow_any_venue).
 *  - times: ISO 8601 (2022-03-05T14:30:00Z, 2022-03-05T14:30+08:00,
 *    2022-03-05T14:30) or "YYYY-MM-DD HH:MM[:SS]" or Unix seconds. Times
 *    without an offset are local at the configured UTC offset (default
 *    +08:00). Not later than "now" plus one day; time out not before time in.
 *  - status: green, yellow or red (default green: paper registers kept none).
 *
 * A valid row becomes a check-in record (and a check-out record when it has a
 * time out) for the identifier's pseudonym under the issuer key, gate
 * "import". Record ids are derived from the record's content, so importing
 * the same file again, or a file with duplicate rows, stores nothing twice.
 * Valid rows are written in batches, each batch in one transaction
 * (put_batch: all or none). A rejected row goes to the reject file (CSV:
 * line, reason, then the row's fields) and is counted.
 */
#ifndef HCODE_IMPORT_H
#define HCODE_IMPORT_H

#include "common.h"
#include "keys.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcode_import hcode_import;

/* st and kp are borrowed and must outlive the importer. */
int hcode_import_new(hcode_import **out, hcode_store *st, const hcode_keypair *kp) HCODE_WUR;
void hcode_import_free(hcode_import *im);

/* Known venues: one id per call, or a file with one venue id per line (the
 * first CSV field of a line is taken; blank lines and lines starting with
 * '#' are skipped). */
int hcode_import_add_venue(hcode_import *im, const char *venue_id) HCODE_WUR;
int hcode_import_load_venues(hcode_import *im, const char *path) HCODE_WUR;
/* Accept every well-formed venue id (no list). */
void hcode_import_allow_any_venue(hcode_import *im, int allow);

/* Offset of local times without an explicit offset, seconds east of UTC
 * (-14h..+14h; default +8h). */
int hcode_import_set_utc_offset(hcode_import *im, int seconds) HCODE_WUR;
/* Where rejected rows go (created or truncated). Without it rejected rows
 * are only counted. */
int hcode_import_set_rejects(hcode_import *im, const char *path) HCODE_WUR;
/* Rows per transaction (1..100000, default 2000). */
int hcode_import_set_batch_rows(hcode_import *im, size_t rows) HCODE_WUR;
/* "Now" for the plausibility checks (HCODE_NOW: the clock). */
void hcode_import_set_now(hcode_import *im, int64_t now);

/* Called now and then during an import (at most every 64 KiB of input). */
typedef void (*hcode_import_progress_cb)(uint64_t bytes_done, uint64_t bytes_total,
                                         uint64_t rows, void *data);
void hcode_import_set_progress(hcode_import *im, hcode_import_progress_cb cb, void *data);

/* Imports a CSV file. 0 when every row was either stored or rejected;
 * otherwise a store (HCODE_ESTORE...) or file error (HCODE_EIO), after which
 * the batches already committed stay stored (running the import again is
 * safe) and the failing batch is not stored at all. */
int hcode_import_csv(hcode_import *im, const char *path) HCODE_WUR;

/* Counters of the imports run on this importer. */
enum {
    HCODE_IMPORT_ROWS = 0,      /* data rows read */
    HCODE_IMPORT_IMPORTED = 1,  /* rows accepted and stored */
    HCODE_IMPORT_RECORDS = 2,   /* records written (a row with a time out makes two) */
    HCODE_IMPORT_REJECTED = 3,  /* rows refused */
    HCODE_IMPORT_DUPLICATES = 4,/* accepted rows equal to an earlier row (stored once) */
    HCODE_IMPORT_BATCHES = 5    /* transactions committed */
};
uint64_t hcode_import_count(const hcode_import *im, int which);

/* Detail of the last failure ("" if none). */
const char *hcode_import_errmsg(const hcode_import *im);

/* Why an identifier is refused: NULL when it is acceptable, else a stable
 * reason ("bad_check_digit", "bad_birth_date", "bad_identifier",
 * "missing_identifier"). now: for the birth date (HCODE_NOW: the clock). */
const char *hcode_identifier_problem(const char *identifier, int64_t now);

#ifdef __cplusplus
}
#endif
#endif
