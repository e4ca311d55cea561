/* Trusted issuer keys: raw keys, key pairs and public-key files. */
#include "hcode-private.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

int hcode__trust_push(hcode_ctx *ctx, const hcode__trust_key *k)
{
    /* the same key twice is kept once */
    for (size_t i = 0; i < ctx->nkeys; i++)
        if (memcmp(ctx->keys[i].pk, k->pk, HCODE__PK_BYTES) == 0 &&
            strcmp(ctx->keys[i].region, k->region) == 0 &&
            ctx->keys[i].not_before == k->not_before && ctx->keys[i].not_after == k->not_after &&
            ctx->keys[i].usage == k->usage)
            return HCODE_OK;
    if (ctx->nkeys == ctx->capkeys) {
        size_t cap = ctx->capkeys ? ctx->capkeys * 2 : 8;
        hcode__trust_key *n = realloc(ctx->keys, cap * sizeof *n);
        if (!n)
            return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        ctx->keys = n;
        ctx->capkeys = cap;
    }
    ctx->keys[ctx->nkeys++] = *k;
    return HCODE_OK;
}

int hcode_trust_add_key(hcode_ctx *ctx, const uint8_t *pk, const char *region)
{
    if (!ctx || !pk)
        return HCODE_EINVAL;
    if (!hcode__region_ok(region))
        return hcode__err(ctx, HCODE_EINVAL, "bad region");
    hcode__trust_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.pk, pk, HCODE__PK_BYTES);
    hcode__kid_from_pk(k.kid, pk);
    snprintf(k.region, sizeof k.region, "%s", region);
    k.not_before = INT64_MIN;
    k.not_after = INT64_MAX;
    k.usage = HCODE_USAGE_ALL;
    return hcode__trust_push(ctx, &k);
}

int hcode_trust_add_keypair(hcode_ctx *ctx, const hcode_keypair *kp)
{
    if (!ctx || !kp)
        return HCODE_EINVAL;
    return hcode_trust_add_key(ctx, kp->pk, kp->region);
}

size_t hcode_trust_count(const hcode_ctx *ctx) { return ctx ? ctx->nkeys : 0; }

/* Parses a PREFIX.pub JSON document into a public key and region. */
int hcode__parse_pub_json(hcode_ctx *ctx, const char *text, size_t len, const char *what,
                          uint8_t pk[HCODE__PK_BYTES], char region[HCODE_REGION_MAX + 1])
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc && json_error_code(&jerr) == json_error_out_of_memory)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    if (!doc)
        return hcode__err(ctx, HCODE_EFORMAT, "%s: not JSON (%s, line %d)", what, jerr.text, jerr.line);
    int rc = HCODE_EFORMAT;
    const char *pkhex = json_string_value(json_object_get(doc, "public_key"));
    const char *reg = json_string_value(json_object_get(doc, "region"));
    const char *kidhex = json_string_value(json_object_get(doc, "kid"));
    uint8_t kid[HCODE__KID_BYTES], want[HCODE__KID_BYTES];
    if (!json_is_object(doc) || !pkhex || hcode__unhex(pk, HCODE__PK_BYTES, pkhex, strlen(pkhex)) != 0) {
        hcode__err(ctx, rc, "%s: no 64-hex-digit \"public_key\"", what);
        goto out;
    }
    if (!reg || !hcode__region_ok(reg)) {
        hcode__err(ctx, rc, "%s: missing or bad \"region\"", what);
        goto out;
    }
    hcode__kid_from_pk(kid, pk);
    if (kidhex && (hcode__unhex(want, sizeof want, kidhex, strlen(kidhex)) != 0 ||
                   memcmp(want, kid, sizeof kid) != 0)) {
        hcode__err(ctx, rc, "%s: \"kid\" does not match the public key", what);
        goto out;
    }
    snprintf(region, HCODE_REGION_MAX + 1, "%s", reg);
    rc = HCODE_OK;
out:
    json_decref(doc);
    return rc;
}

int hcode__trust_add_pub_json(hcode_ctx *ctx, const char *text, size_t len, const char *what)
{
    uint8_t pk[HCODE__PK_BYTES];
    char region[HCODE_REGION_MAX + 1];
    int rc = hcode__parse_pub_json(ctx, text, len, what, pk, region);
    return rc ? rc : hcode_trust_add_key(ctx, pk, region);
}

int hcode_public_key_load(hcode_ctx *ctx, const char *path, uint8_t *pk)
{
    if (!ctx || !path || !pk)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    char *buf;
    size_t len;
    char region[HCODE_REGION_MAX + 1];
    int rc = hcode__read_file(ctx, path, 64 * 1024, &buf, &len);
    if (rc)
        return rc;
    rc = hcode__parse_pub_json(ctx, buf, len, path, pk, region);
    free(buf);
    return rc;
}

int hcode__read_file(hcode_ctx *ctx, const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hcode__err(ctx, HCODE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return hcode__err(ctx, HCODE_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return hcode__err(ctx, HCODE_ELIMIT, "%s: larger than %zu bytes", path, max);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n != (size_t)st.st_size) {
        free(buf);
        return hcode__err(ctx, HCODE_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return HCODE_OK;
}

int hcode_trust_add_file(hcode_ctx *ctx, const char *path)
{
    if (!ctx || !path)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    char *buf = NULL;
    size_t len = 0;
    int rc = hcode__read_file(ctx, path, 64 * 1024, &buf, &len);
    if (rc)
        return rc;
    rc = hcode__trust_add_pub_json(ctx, buf, len, path);
    free(buf);
    return rc;
}
