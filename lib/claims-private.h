/* Claims of a code to be signed. */
#ifndef HCODE_CLAIMS_H
#define HCODE_CLAIMS_H

#include "hcode-private.h"

typedef struct hcode__claims {
    int kind;
    const char *iss;
    int64_t iat, exp;
    uint8_t cti[HCODE__CTI_BYTES];
    /* person */
    int status;
    uint8_t subject[HCODE__PSEUDO_BYTES];
    uint32_t flags;
    const char *name;
    const uint8_t *holder_pk;
    /* venue */
    const char *venue_id, *venue_name, *venue_region, *category;
} hcode__claims;

/* Returns the encoded length, or 0 if it does not fit. */
size_t hcode__claims_encode(const hcode__claims *c, uint8_t *out, size_t cap);

#endif
