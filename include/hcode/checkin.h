/* libhcode: check-in and check-out at venue gates. */
#ifndef HCODE_CHECKIN_H
#define HCODE_CHECKIN_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one check-in or check-out. */
typedef struct hcode_admission hcode_admission;

/* Checks a person in at a venue at time `at` (HCODE_NOW for now):
 * verifies both codes with the context's trusted keys and revocation
 * lists, applies the context's venue policy (hcode_ctx_set_policy;
 * default green only), and, when admitted, stores a record (random
 * record id, subject pseudonym, venue id, time, status, gate) through the
 * context's store.
 *
 * person_payload may be a person code (HCP1:) or a dynamic presentation
 * of one (HCD1:, checked for freshness and holder as hcode_verify does).
 * A presentation that admits someone is used up: offered again within
 * its window it is denied as "replayed" and not recorded. The used-up
 * presentations are kept in the store when its backend implements
 * presentation_consume (memory and SQLite do: another process sharing the
 * database refuses them too), and always in the context. Verifying a
 * presentation (hcode_verify, scans of camera frames) does not use it up.
 *
 * Returns 0 whenever a decision was made, admitted or not, with *out set
 * (free with hcode_admission_free()). A person who is not admitted is not
 * recorded. An admission is returned only after the store's put returned
 * 0 and the record reads back from the store; otherwise the call returns
 * the store's error (HCODE_ESTORE, HCODE_ECALLBACK, ...) and *out is NULL:
 * the gate must not open. gate: the gate's id, NULL or "" for none. */
int hcode_checkin(hcode_ctx *ctx, const char *person_payload, const char *venue_payload,
                  const char *gate, int64_t at, hcode_admission **out) HCODE_WUR;

/* Records a person leaving (exit gate): same checks of both codes, no
 * status policy (anyone may leave). Ends the presence opened by the
 * person's last check-in at that venue (see the tracing rules). */
int hcode_checkout(hcode_ctx *ctx, const char *person_payload, const char *venue_payload,
                   const char *gate, int64_t at, hcode_admission **out) HCODE_WUR;

void hcode_admission_free(hcode_admission *a);

/* 1 when admitted (check-in) or recorded (check-out). */
int hcode_admission_admitted(const hcode_admission *a);
/* Stable lower-case reason: "admitted", "manual_identity_check"
 * (admitted, but staff must check the identity of a printed code's
 * holder), "checked_out", "status_not_admitted", "printed_not_accepted",
 * "holder_binding_required", "replayed", "code_too_old",
 * "not_a_person_code", "not_a_venue_code", or the verdict's error name
 * ("expired", "revoked", "stale", "holder_mismatch", "bad_signature",
 * "unknown_issuer", "malformed", ...). */
const char *hcode_admission_reason(const hcode_admission *a);
/* Detail for people ("venue code: expired at ..."); "" when admitted. */
const char *hcode_admission_message(const hcode_admission *a);
int hcode_admission_status(const hcode_admission *a);          /* -1 unknown */
const char *hcode_admission_subject(const hcode_admission *a);  /* "" unknown */
const char *hcode_admission_venue_id(const hcode_admission *a); /* "" unknown */
int64_t hcode_admission_at(const hcode_admission *a);
/* The stored record's id; "" when nothing was recorded. */
const char *hcode_admission_record_id(const hcode_admission *a);
/* 1 when admitted on condition of a manual identity check (venue policy
 * "printed": "manual" and a printed code): the gate must call staff. */
int hcode_admission_manual_check(const hcode_admission *a);
/* 1 when the person showed a dynamic presentation. */
int hcode_admission_presentation(const hcode_admission *a);

/* One JSON object (the CLI's --json line): admitted, reason, status,
 * subject, venue_id, at, record_id, message, manual_check (bool),
 * presentation (bool). Free with hcode_free(). */
int hcode_admission_to_json(const hcode_admission *a, char **out) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
