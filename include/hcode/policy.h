/* libhcode: venue policy — who a gate admits. */
#ifndef HCODE_POLICY_H
#define HCODE_POLICY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A venue policy, usually read from a small JSON file:
 *
 *   {
 *     "admit": ["green", "yellow"],   statuses let in (default ["green"];
 *                                     a fever clinic also admits "yellow")
 *     "printed": "accept",            printed codes: "accept" (default),
 *                                     "reject", or "manual" (admitted with
 *                                     reason "manual_identity_check": staff
 *                                     must check the holder's identity)
 *     "max_code_age": "24h",          refuse codes issued longer ago than
 *                                     this (default 0: no limit beyond the
 *                                     code's own expiry)
 *     "dwell": "1h",                  default presence after a check-in
 *                                     without check-out (default 1h)
 *     "require_presentation": true    holder-bound codes must be shown as
 *                                     live presentations (HCD1:); shown
 *                                     bare they are denied with reason
 *                                     "holder_binding_required" (default
 *                                     false). Codes without a holder key
 *                                     (printed codes) are not affected.
 *   }
 *
 * Durations are integer seconds or strings "90s", "15m", "2h", "7d".
 * Every member is optional; unknown members are refused (a typo must not
 * silently weaken a gate). */
typedef struct hcode_policy hcode_policy;

#define HCODE_PRINTED_ACCEPT 0
#define HCODE_PRINTED_REJECT 1
#define HCODE_PRINTED_MANUAL 2

#define HCODE_DWELL_DEFAULT 3600
#define HCODE_POLICY_FILE_MAX 65536

/* The default policy: green only, printed accepted, no age limit, 1h dwell. */
int hcode_policy_new(hcode_policy **out) HCODE_WUR;
/* Parses policy JSON (len bytes); errors detailed by hcode_errmsg(ctx). */
int hcode_policy_parse(hcode_ctx *ctx, const char *json, size_t len, hcode_policy **out) HCODE_WUR;
/* Reads a policy file (at most HCODE_POLICY_FILE_MAX bytes). */
int hcode_policy_load(hcode_ctx *ctx, const char *path, hcode_policy **out) HCODE_WUR;
void hcode_policy_free(hcode_policy *p);

/* 1 when the status is admitted. */
int hcode_policy_admits(const hcode_policy *p, int status);
int hcode_policy_set_admits(hcode_policy *p, int status, int admit) HCODE_WUR;
int hcode_policy_printed(const hcode_policy *p);          /* HCODE_PRINTED_* */
int hcode_policy_set_printed(hcode_policy *p, int mode) HCODE_WUR;
int64_t hcode_policy_max_code_age(const hcode_policy *p); /* 0: no limit */
int hcode_policy_set_max_code_age(hcode_policy *p, int64_t seconds) HCODE_WUR;
int64_t hcode_policy_dwell(const hcode_policy *p);
int hcode_policy_set_dwell(hcode_policy *p, int64_t seconds) HCODE_WUR;
int hcode_policy_require_presentation(const hcode_policy *p);   /* 1 or 0 */
int hcode_policy_set_require_presentation(hcode_policy *p, int on) HCODE_WUR;

/* Gives the policy to the context (which owns it from then on, also on
 * failure); NULL restores the default policy. */
int hcode_ctx_set_policy(hcode_ctx *ctx, hcode_policy *p) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
