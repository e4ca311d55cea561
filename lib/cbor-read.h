/* A small allocation-free CBOR reader for the list and presentation
 * formats, and a well-formedness walk run before libcbor sees input. */
#ifndef HCODE_CBOR_READ_H
#define HCODE_CBOR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hcode__cr {
    const uint8_t *p;
    size_t len, pos;
} hcode__cr;

/* Reads one head: returns the major type (0..7) and the argument in *val,
 * or -1 on truncation, indefinite lengths or reserved values. */
int hcode__cr_head(hcode__cr *r, uint64_t *val);
/* An integer (major 0 or 1) that fits int64. */
bool hcode__cr_int(hcode__cr *r, int64_t *v);
/* A definite byte / text string inside the buffer. */
bool hcode__cr_bytes(hcode__cr *r, const uint8_t **p, size_t *n);
bool hcode__cr_text(hcode__cr *r, const char **p, size_t *n);
/* Map / array head: the count, which cannot exceed the bytes left. */
bool hcode__cr_map(hcode__cr *r, size_t *n);
bool hcode__cr_array(hcode__cr *r, size_t *n);

/* True when buf is exactly one well-formed CBOR item, nested at most
 * max_depth deep, with definite lengths only, and every array or map
 * count no larger than the bytes that follow (so a decoder allocating by
 * count stays bounded by the input size). */
bool hcode__cbor_wellformed(const uint8_t *buf, size_t len, int max_depth);
/* The same check for the one item at the start of buf; *used gets its
 * encoded length. */
bool hcode__cbor_prefix(const uint8_t *buf, size_t len, int max_depth, size_t *used);

#endif
