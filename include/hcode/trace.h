/* libhcode: reverse tracing of contacts (the rules: docs tracing.md).
 *
 * Presence: a check-in of S at V at t opens [t, end) where end is the
 * earliest of S's next check-out at V after t, S's next check-in anywhere
 * after t ("after": a strictly later second), and t + dwell. Everything
 * is computed at query time from the stored records, whatever order they
 * arrived in, and only through the store's query_subject/query_venue, so
 * every backend gives the same answer.
 *
 * Contacts (depth 1): every other subject whose presence at the same
 * venue overlaps one of the case's visits (presence clipped to [from,to));
 * one result per (subject, venue): overlap_start = earliest intersection
 * start, overlap_seconds = sum of intersections; results below
 * min_overlap are dropped. Depth 2: each depth-1 contact is traced the
 * same way over [its earliest overlap_start, to); subjects at depth 0 or
 * 1 are not repeated; when several depth-1 contacts lead to the same
 * (subject, venue), the result with the longest overlap is kept (ties:
 * the earliest start).
 *
 * Every trace is audited (hcode/audit.h): it needs an audit key on the
 * context and a store that keeps an audit log, an operator and a purpose;
 * when the audit entry cannot be written no result is returned. */
#ifndef HCODE_TRACE_H
#define HCODE_TRACE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcode_trace hcode_trace;

#define HCODE_TRACE_MIN_OVERLAP_DEFAULT 1
#define HCODE_TRACE_MAX_DEPTH 2
/* Bound on the records one trace reads (memory is bounded by it). */
#define HCODE_TRACE_MAX_RECORDS 10000000

/* Traces a case by its pseudonym (32 hex) over [from, to).
 * dwell <= 0: the context policy's dwell (1 hour by default).
 * depth: 1 or 2. min_overlap <= 0: 1 second. */
int hcode_trace_subject(hcode_ctx *ctx, const char *pseudonym, int64_t from, int64_t to, int64_t dwell,
                        int depth, int64_t min_overlap, const char *operator_name, const char *purpose,
                        hcode_trace **out) HCODE_WUR;

/* Everyone whose presence at the venue overlaps [from, to), the overlap
 * clipped to the window; results have depth 1. */
int hcode_trace_venue(hcode_ctx *ctx, const char *venue_id, int64_t from, int64_t to, int64_t dwell,
                      int64_t min_overlap, const char *operator_name, const char *purpose,
                      hcode_trace **out) HCODE_WUR;

void hcode_trace_free(hcode_trace *t);

/* Contacts, sorted by depth, overlap_start, subject, venue. */
size_t hcode_trace_count(const hcode_trace *t);
const char *hcode_trace_contact_subject(const hcode_trace *t, size_t i);
const char *hcode_trace_contact_venue(const hcode_trace *t, size_t i);
int64_t hcode_trace_contact_start(const hcode_trace *t, size_t i);
int64_t hcode_trace_contact_seconds(const hcode_trace *t, size_t i);
int hcode_trace_contact_depth(const hcode_trace *t, size_t i);

/* The case's own visits (subject traces), sorted by start. */
size_t hcode_trace_visit_count(const hcode_trace *t);
const char *hcode_trace_visit_venue(const hcode_trace *t, size_t i);
int64_t hcode_trace_visit_start(const hcode_trace *t, size_t i);
int64_t hcode_trace_visit_end(const hcode_trace *t, size_t i);

/* One JSON object per contact and line: subject, venue_id, overlap_start,
 * overlap_seconds, depth. Free with hcode_free(). */
int hcode_trace_to_jsonl(const hcode_trace *t, char **out) HCODE_WUR;
/* CSV with a header line; cells a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) get a leading apostrophe. */
int hcode_trace_to_csv(const hcode_trace *t, char **out) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
