/* libhcode: issuer and holder key pairs (Ed25519). */
#ifndef HCODE_KEYS_H
#define HCODE_KEYS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcode_keypair hcode_keypair;

/* Sizes, as functions so that bindings never copy constants. */
size_t hcode_publickey_bytes(void);   /* 32 */
size_t hcode_kid_bytes(void);         /* 8: SHA-256(public key)[0..8] */
size_t hcode_pseudonym_bytes(void);   /* 16 */

/* Longest region string accepted (bytes, without NUL). */
#define HCODE_REGION_MAX 32
size_t hcode_region_max(void);

/* New random key pair. region: printable ASCII, 1..HCODE_REGION_MAX bytes,
 * e.g. "CN-370100"; NULL means "XX". */
int hcode_keypair_generate(hcode_keypair **out, const char *region) HCODE_WUR;

/* Writes PREFIX.key (mode 0600, secret) and PREFIX.pub (JSON). Refuses to
 * overwrite an existing file (HCODE_EEXIST); never leaves a partial file. */
int hcode_keypair_save(const hcode_keypair *kp, const char *prefix) HCODE_WUR;

/* Loads a secret key file written by hcode_keypair_save(). Refuses a file
 * readable by group or others (HCODE_EPERM). */
int hcode_keypair_load(hcode_keypair **out, const char *path) HCODE_WUR;

/* Wipes the secret and frees. NULL is fine. */
void hcode_keypair_free(hcode_keypair *kp);

const char *hcode_keypair_region(const hcode_keypair *kp);
/* Key id as lower-case hex (16 characters). */
const char *hcode_keypair_kid_hex(const hcode_keypair *kp);
/* Copies the 32-byte public key into out. */
void hcode_keypair_public_key(const hcode_keypair *kp, uint8_t *out);

/* Public key file (PREFIX.pub) as a NUL-terminated JSON string; free with
 * hcode_free(). */
int hcode_keypair_public_json(const hcode_keypair *kp, char **out) HCODE_WUR;

/* The subject pseudonym the key's issuer gives an identifier: a keyed
 * BLAKE2b hash under a secret derived from the issuer key, written as
 * 32 lower-case hex characters plus NUL into out (outlen >= 33).
 * The identifier is normalised first: surrounding blanks dropped, ASCII
 * letters upper-cased (so a resident-ID check character 'x' equals 'X'). */
int hcode_keypair_pseudonym(const hcode_keypair *kp, const char *identifier,
                            char *out, size_t outlen) HCODE_WUR;

#ifdef __cplusplus
}
#endif
#endif
