/* libhcode: dynamic presentations (anti-screenshot) and gate policy on
 * holder-bound codes. Format: docs/TRUST.md. */
#ifndef HCODE_PRESENT_H
#define HCODE_PRESENT_H

#include "code.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default presentation freshness window (seconds). */
#define HCODE_DEFAULT_FRESHNESS 60
/* Most presentations a context remembers as admitted (replay cache). */
#define HCODE_REPLAY_MAX 4096

/* Makes a presentation: the person code `credential` (payload text, issued
 * with this holder's public key) plus the holder's signature over it and
 * the time `at` (HCODE_NOW). The credential's issuer signature is not
 * checked here, its holder key is. *out: "HCD1:..." text, hcode_free(). */
int hcode_present(hcode_ctx *ctx, const hcode_keypair *holder, const char *credential, size_t len,
                  int64_t at, char **out) HCODE_WUR;

/* Presentation window: a presentation older than this at verification,
 * or dated more than the skew tolerance in the future, is `stale`.
 * 1 s .. 1 day. */
int hcode_ctx_set_freshness(hcode_ctx *ctx, int64_t seconds) HCODE_WUR;
int64_t hcode_ctx_freshness(const hcode_ctx *ctx);

/* Gate policy: when on, a valid person code bound to a holder key and
 * shown bare (not as a presentation) is `holder_binding_required`.
 * Codes without a holder key (e.g. printed codes) are not affected. */
int hcode_ctx_require_presentation(hcode_ctx *ctx, int on) HCODE_WUR;

/* Records that a valid presentation verdict admitted someone. Until the
 * presentation leaves its window, verifying it again gives `replayed`.
 * Verifying the same presentation any number of times before this call
 * (camera frames of one attempt) is not a replay. Call once per
 * admission. Returns 0; HCODE_EEXIST if it was already consumed;
 * HCODE_EINVAL if v is not a valid presentation; HCODE_ENOMEM. When the
 * cache is full, the entry closest to leaving its window is dropped. */
int hcode_presentation_consume(hcode_ctx *ctx, const hcode_verdict *v) HCODE_WUR;

/* Presentation time of a presentation verdict (0 otherwise). */
int64_t hcode_verdict_presented_at(const hcode_verdict *v);
/* 1 when the code (or a presentation's credential) is a printed code. */
int hcode_verdict_printed(const hcode_verdict *v);

#ifdef __cplusplus
}
#endif
#endif
