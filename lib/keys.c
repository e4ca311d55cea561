/* Key pairs: generation, files, key ids, pseudonyms. */
#include "hcode-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_MAGIC "hcode-secret-key-v1"
#define PSEUDO_CONTEXT "hcode/pseudonym/v1"

size_t hcode_publickey_bytes(void) { return HCODE__PK_BYTES; }
size_t hcode_kid_bytes(void) { return HCODE__KID_BYTES; }
size_t hcode_pseudonym_bytes(void) { return HCODE__PSEUDO_BYTES; }
size_t hcode_region_max(void) { return HCODE_REGION_MAX; }

void hcode__kid_from_pk(uint8_t kid[HCODE__KID_BYTES], const uint8_t pk[HCODE__PK_BYTES])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, HCODE__PK_BYTES);
    memcpy(kid, h, HCODE__KID_BYTES);
}

/* Fills everything derived from the seed. */
static int keypair_from_seed(hcode_keypair *kp, const uint8_t seed[HCODE__SEED_BYTES])
{
    if (crypto_sign_seed_keypair(kp->pk, kp->sk, seed) != 0)
        return HCODE_ECRYPTO;
    hcode__kid_from_pk(kp->kid, kp->pk);
    hcode__hex(kp->kid_hex, kp->kid, HCODE__KID_BYTES);
    if (crypto_generichash(kp->pseudo_key, sizeof kp->pseudo_key, (const uint8_t *)PSEUDO_CONTEXT,
                           strlen(PSEUDO_CONTEXT), seed, HCODE__SEED_BYTES) != 0)
        return HCODE_ECRYPTO;
    return HCODE_OK;
}

static hcode_keypair *keypair_alloc(void)
{
    /* sodium_malloc: guarded pages, and the memory is wiped on free. */
    hcode_keypair *kp = sodium_malloc(sizeof *kp);
    if (kp)
        memset(kp, 0, sizeof *kp);
    return kp;
}

void hcode_keypair_free(hcode_keypair *kp)
{
    if (kp)
        sodium_free(kp); /* zeroes before unmapping */
}

int hcode_keypair_generate(hcode_keypair **out, const char *region)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!region)
        region = "XX";
    if (!hcode__region_ok(region))
        return HCODE_EINVAL;
    if (hcode_init() != HCODE_OK)
        return HCODE_ECRYPTO;
    hcode_keypair *kp = keypair_alloc();
    if (!kp)
        return HCODE_ENOMEM;
    uint8_t seed[HCODE__SEED_BYTES];
    randombytes_buf(seed, sizeof seed);
    int rc = keypair_from_seed(kp, seed);
    sodium_memzero(seed, sizeof seed);
    if (rc) {
        hcode_keypair_free(kp);
        return rc;
    }
    snprintf(kp->region, sizeof kp->region, "%s", region);
    *out = kp;
    return HCODE_OK;
}

const char *hcode_keypair_region(const hcode_keypair *kp) { return kp ? kp->region : NULL; }
const char *hcode_keypair_kid_hex(const hcode_keypair *kp) { return kp ? kp->kid_hex : NULL; }
void hcode_keypair_public_key(const hcode_keypair *kp, uint8_t *out)
{
    if (kp && out)
        memcpy(out, kp->pk, HCODE__PK_BYTES);
}

int hcode_keypair_public_json(const hcode_keypair *kp, char **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!kp)
        return HCODE_EINVAL;
    char pkhex[2 * HCODE__PK_BYTES + 1];
    hcode__hex(pkhex, kp->pk, HCODE__PK_BYTES);
    size_t cap = 256;
    char *s = malloc(cap);
    if (!s)
        return HCODE_ENOMEM;
    snprintf(s, cap,
             "{\"version\":1,\"alg\":\"EdDSA\",\"kid\":\"%s\",\"region\":\"%s\",\"public_key\":\"%s\"}\n",
             kp->kid_hex, kp->region, pkhex);
    *out = s;
    return HCODE_OK;
}

/* Writes data to a new file at path atomically: a temporary file in the same
 * directory, fsync, then link() which fails if path exists. */
static int write_new_file(const char *path, const char *data, size_t len, mode_t mode)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return HCODE_ENOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0) {
        free(tmp);
        return HCODE_EIO;
    }
    int rc = HCODE_OK;
    if (fchmod(fd, mode) != 0)
        rc = HCODE_EIO;
    size_t off = 0;
    while (rc == HCODE_OK && off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = HCODE_EIO;
        else
            off += (size_t)w;
    }
    if (rc == HCODE_OK && fsync(fd) != 0)
        rc = HCODE_EIO;
    if (close(fd) != 0 && rc == HCODE_OK)
        rc = HCODE_EIO;
    if (rc == HCODE_OK && link(tmp, path) != 0)
        rc = errno == EEXIST ? HCODE_EEXIST : HCODE_EIO;
    unlink(tmp);
    free(tmp);
    return rc;
}

int hcode_keypair_save(const hcode_keypair *kp, const char *prefix)
{
    if (!kp || !prefix || !*prefix)
        return HCODE_EINVAL;
    size_t n = strlen(prefix);
    char *keypath = malloc(n + 5), *pubpath = malloc(n + 5);
    char *pub = NULL;
    int rc;
    if (!keypath || !pubpath) {
        rc = HCODE_ENOMEM;
        goto out;
    }
    memcpy(keypath, prefix, n);
    memcpy(keypath + n, ".key", 5);
    memcpy(pubpath, prefix, n);
    memcpy(pubpath + n, ".pub", 5);
    if (access(keypath, F_OK) == 0 || access(pubpath, F_OK) == 0) {
        rc = HCODE_EEXIST;
        goto out;
    }
    char seedhex[2 * HCODE__SEED_BYTES + 1];
    char body[256];
    hcode__hex(seedhex, kp->sk, HCODE__SEED_BYTES);
    int blen = snprintf(body, sizeof body, "%s\nregion %s\nkid %s\nseed %s\n", KEYFILE_MAGIC,
                        kp->region, kp->kid_hex, seedhex);
    sodium_memzero(seedhex, sizeof seedhex);
    rc = write_new_file(keypath, body, (size_t)blen, 0600);
    sodium_memzero(body, sizeof body);
    if (rc)
        goto out;
    if ((rc = hcode_keypair_public_json(kp, &pub)) != HCODE_OK ||
        (rc = write_new_file(pubpath, pub, strlen(pub), 0644)) != HCODE_OK)
        unlink(keypath); /* never leave half a key pair */
out:
    free(pub);
    free(keypath);
    free(pubpath);
    return rc;
}

/* Value of "name value" line in a key file, or NULL. */
static const char *field(const char *buf, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            const char *v = p + n + 1;
            const char *e = strchr(v, '\n');
            *len = e ? (size_t)(e - v) : strlen(v);
            return v;
        }
    }
    return NULL;
}

int hcode_keypair_load(hcode_keypair **out, const char *path)
{
    if (!out || !path)
        return HCODE_EINVAL;
    *out = NULL;
    if (hcode_init() != HCODE_OK)
        return HCODE_ECRYPTO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HCODE_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return HCODE_EIO;
    }
    if (st.st_mode & 077) {
        close(fd);
        return HCODE_EPERM;
    }
    char buf[512];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            sodium_memzero(buf, sizeof buf);
            return HCODE_EIO;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    int rc = HCODE_EFORMAT;
    hcode_keypair *kp = NULL;
    uint8_t seed[HCODE__SEED_BYTES];
    size_t flen;
    const char *f;
    if (strncmp(buf, KEYFILE_MAGIC "\n", sizeof KEYFILE_MAGIC) != 0)
        goto out;
    if (!(f = field(buf, "seed", &flen)) || hcode__unhex(seed, sizeof seed, f, flen) != 0)
        goto out;
    if (!(kp = keypair_alloc())) {
        rc = HCODE_ENOMEM;
        goto out;
    }
    if ((rc = keypair_from_seed(kp, seed)) != HCODE_OK)
        goto out;
    rc = HCODE_EFORMAT;
    if (!(f = field(buf, "region", &flen)) || flen == 0 || flen > HCODE_REGION_MAX)
        goto out;
    memcpy(kp->region, f, flen);
    kp->region[flen] = '\0';
    if (!hcode__region_ok(kp->region))
        goto out;
    if ((f = field(buf, "kid", &flen)) &&
        (flen != 2 * HCODE__KID_BYTES || sodium_memcmp(f, kp->kid_hex, flen) != 0))
        goto out; /* kid line does not match the seed: corrupted file */
    rc = HCODE_OK;
    *out = kp;
    kp = NULL;
out:
    hcode_keypair_free(kp);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

int hcode__pseudonym(const hcode_keypair *kp, const char *identifier,
                     uint8_t out[HCODE__PSEUDO_BYTES])
{
    while (*identifier == ' ' || *identifier == '\t')
        identifier++;
    size_t n = strlen(identifier);
    while (n && (identifier[n - 1] == ' ' || identifier[n - 1] == '\t' || identifier[n - 1] == '\r' ||
                 identifier[n - 1] == '\n'))
        n--;
    if (n == 0 || n > 256)
        return HCODE_EINVAL;
    char norm[256];
    for (size_t i = 0; i < n; i++) {
        char c = identifier[i];
        norm[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    crypto_generichash(out, HCODE__PSEUDO_BYTES, (const uint8_t *)norm, n, kp->pseudo_key,
                       sizeof kp->pseudo_key);
    sodium_memzero(norm, sizeof norm);
    return HCODE_OK;
}

int hcode_keypair_pseudonym(const hcode_keypair *kp, const char *identifier, char *out,
                            size_t outlen)
{
    if (!kp || !identifier || !out || outlen < 2 * HCODE__PSEUDO_BYTES + 1)
        return HCODE_EINVAL;
    uint8_t h[HCODE__PSEUDO_BYTES];
    int rc = hcode__pseudonym(kp, identifier, h);
    if (rc == HCODE_OK)
        hcode__hex(out, h, sizeof h);
    return rc;
}
