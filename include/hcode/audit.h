/* libhcode: the tamper-evident audit log of traces, exports and purges.
 *
 * Every entry is one line of JSON kept by the store (audit_append /
 * audit_read of hcode_store_ops):
 *   {"v":1,"seq":N,"time":T,"operator":..,"purpose":..,"query":..,
 *    "count":C,"kid":KEYID,"prev":H(N-1),"hash":H(N),"sig":S}
 * H(N) = BLAKE2b-256("hcode-audit-v1" || the line's text before ,"hash"),
 * so each entry carries its predecessor's hash (the first: 64 zeros), and
 * S = Ed25519 signature of H(N) by the audit key: every entry is a signed
 * chain head. Editing, removing, inserting or reordering an entry breaks
 * the chain; rebuilding the chain needs the audit key. Removing the last
 * entries is detected with a head file (hcode_ctx_set_audit_head_file):
 * each append also writes the signed head there. */
#ifndef HCODE_AUDIT_H
#define HCODE_AUDIT_H

#include "common.h"
#include "keys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCODE_AUDIT_TEXT_MAX 256   /* operator and purpose (bytes) */

/* The key that signs the audit log (copied). Traces and purges refuse to
 * run without one. */
int hcode_ctx_set_audit_key(hcode_ctx *ctx, const hcode_keypair *kp) HCODE_WUR;
/* A file that receives the signed chain head after every append (NULL:
 * none). */
int hcode_ctx_set_audit_head_file(hcode_ctx *ctx, const char *path) HCODE_WUR;

/* Appends an entry (e.g. for an export made by the host). time: now. */
int hcode_audit_append(hcode_ctx *ctx, const char *operator_name, const char *purpose, const char *query,
                       uint64_t count) HCODE_WUR;

typedef struct hcode_audit_report hcode_audit_report;

/* Checks the context store's audit log: chain, sequence, and, when pk (32
 * bytes) is given, every signature and key id; when a head file is set and
 * exists, that the log still reaches the recorded head. Returns 0 when the
 * check ran (intact or not: see the report), a negative code when the log
 * could not be read. */
int hcode_audit_verify(hcode_ctx *ctx, const uint8_t *pk, hcode_audit_report **out) HCODE_WUR;
void hcode_audit_report_free(hcode_audit_report *r);
int hcode_audit_report_ok(const hcode_audit_report *r);          /* 1 intact */
uint64_t hcode_audit_report_entries(const hcode_audit_report *r);
/* 1-based position of the first bad entry (0 when intact or the log was
 * cut short). */
uint64_t hcode_audit_report_bad_entry(const hcode_audit_report *r);
/* "" when intact; else what is wrong ("entry 3: hash mismatch (edited)"). */
const char *hcode_audit_report_problem(const hcode_audit_report *r);
int hcode_audit_report_signed(const hcode_audit_report *r);      /* signatures checked */

/* Retention: deletes check-ins older than `before` (and pseudonyms left
 * without check-ins), audited like a trace. The project's default
 * retention is 28 days (HCODE_RETENTION_DEFAULT). */
#define HCODE_RETENTION_DEFAULT (28 * 24 * 3600)
int hcode_purge(hcode_ctx *ctx, int64_t before, const char *operator_name, const char *purpose,
                uint64_t *removed) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
