/* Venue policy: admitted statuses, printed codes, code age, dwell. */
#include "hcode-private.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct hcode_policy {
    unsigned admit;       /* bit per status */
    int printed;
    int64_t max_age;
    int64_t dwell;
    bool require_presentation;
};

#define MAX_DURATION (366LL * 24 * 3600)

int hcode_policy_new(hcode_policy **out)
{
    if (!out)
        return HCODE_EINVAL;
    hcode_policy *p = calloc(1, sizeof *p);
    if (!p) {
        *out = NULL;
        return HCODE_ENOMEM;
    }
    p->admit = 1u << HCODE_GREEN;
    p->printed = HCODE_PRINTED_ACCEPT;
    p->max_age = 0;
    p->dwell = HCODE_DWELL_DEFAULT;
    *out = p;
    return HCODE_OK;
}

void hcode_policy_free(hcode_policy *p) { free(p); }

int hcode_policy_admits(const hcode_policy *p, int status)
{
    if (status < HCODE_GREEN || status > HCODE_RED)
        return 0;
    unsigned admit = p ? p->admit : 1u << HCODE_GREEN;
    return (admit >> status) & 1u;
}

int hcode_policy_set_admits(hcode_policy *p, int status, int admit)
{
    if (!p || status < HCODE_GREEN || status > HCODE_RED)
        return HCODE_EINVAL;
    if (admit)
        p->admit |= 1u << status;
    else
        p->admit &= ~(1u << status);
    return HCODE_OK;
}

int hcode_policy_printed(const hcode_policy *p) { return p ? p->printed : HCODE_PRINTED_ACCEPT; }

int hcode_policy_set_printed(hcode_policy *p, int mode)
{
    if (!p || mode < HCODE_PRINTED_ACCEPT || mode > HCODE_PRINTED_MANUAL)
        return HCODE_EINVAL;
    p->printed = mode;
    return HCODE_OK;
}

int64_t hcode_policy_max_code_age(const hcode_policy *p) { return p ? p->max_age : 0; }

int hcode_policy_set_max_code_age(hcode_policy *p, int64_t seconds)
{
    if (!p || seconds < 0 || seconds > MAX_DURATION)
        return HCODE_EINVAL;
    p->max_age = seconds;
    return HCODE_OK;
}

int64_t hcode_policy_dwell(const hcode_policy *p) { return p ? p->dwell : HCODE_DWELL_DEFAULT; }

int hcode_policy_set_dwell(hcode_policy *p, int64_t seconds)
{
    if (!p || seconds <= 0 || seconds > MAX_DURATION)
        return HCODE_EINVAL;
    p->dwell = seconds;
    return HCODE_OK;
}

int hcode_policy_require_presentation(const hcode_policy *p) { return p && p->require_presentation; }

int hcode_policy_set_require_presentation(hcode_policy *p, int on)
{
    if (!p)
        return HCODE_EINVAL;
    p->require_presentation = on != 0;
    return HCODE_OK;
}

/* Integer seconds, or "90s"/"15m"/"2h"/"7d". */
static bool duration(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n == 0 || n > 20)
        return false;
    int64_t mul = 1;
    char num[24];
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 's': mul = 1; num[--n] = '\0'; break;
    case 'm': mul = 60; num[--n] = '\0'; break;
    case 'h': mul = 3600; num[--n] = '\0'; break;
    case 'd': mul = 86400; num[--n] = '\0'; break;
    default: break;
    }
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)num[i]))
            return false;
    errno = 0;
    long long x = strtoll(num, NULL, 10);
    if (errno || x > MAX_DURATION / mul)
        return false;
    *out = x * mul;
    return true;
}

int hcode_policy_parse(hcode_ctx *ctx, const char *text, size_t len, hcode_policy **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!text)
        return hcode__err(ctx, HCODE_EINVAL, "no policy text");
    if (len > HCODE_POLICY_FILE_MAX)
        return hcode__err(ctx, HCODE_ELIMIT, "policy larger than %d bytes", HCODE_POLICY_FILE_MAX);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return hcode__err(ctx, HCODE_EFORMAT, "policy: line %d: %s", je.line, je.text);
    hcode_policy *p = NULL;
    int rc = hcode_policy_new(&p);
    if (rc) {
        json_decref(root);
        return hcode__err(ctx, rc, "out of memory");
    }
    if (!json_is_object(root)) {
        rc = hcode__err(ctx, HCODE_EFORMAT, "policy: expected a JSON object");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "admit")) {
            if (!json_is_array(v)) {
                rc = hcode__err(ctx, HCODE_EFORMAT, "policy: \"admit\" must be a list of statuses");
                goto out;
            }
            p->admit = 0;
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                int st = json_is_string(e) ? hcode_status_parse(json_string_value(e)) : -1;
                if (st < 0) {
                    rc = hcode__err(ctx, HCODE_EFORMAT, "policy: \"admit\" entries must be green, yellow or red");
                    goto out;
                }
                p->admit |= 1u << st;
            }
        } else if (!strcmp(key, "printed")) {
            const char *m = json_string_value(v);
            if (m && !strcmp(m, "accept"))
                p->printed = HCODE_PRINTED_ACCEPT;
            else if (m && !strcmp(m, "reject"))
                p->printed = HCODE_PRINTED_REJECT;
            else if (m && !strcmp(m, "manual"))
                p->printed = HCODE_PRINTED_MANUAL;
            else {
                rc = hcode__err(ctx, HCODE_EFORMAT, "policy: \"printed\" must be accept, reject or manual");
                goto out;
            }
        } else if (!strcmp(key, "max_code_age")) {
            int64_t d;
            if (!duration(v, &d) || d < 0) {
                rc = hcode__err(ctx, HCODE_EFORMAT, "policy: bad \"max_code_age\" (seconds or 90s/15m/2h/7d, at most 366d)");
                goto out;
            }
            p->max_age = d;
        } else if (!strcmp(key, "dwell")) {
            int64_t d;
            if (!duration(v, &d) || d <= 0) {
                rc = hcode__err(ctx, HCODE_EFORMAT, "policy: bad \"dwell\" (positive seconds or 90s/15m/2h/7d, at most 366d)");
                goto out;
            }
            p->dwell = d;
        } else if (!strcmp(key, "require_presentation")) {
            if (!json_is_boolean(v)) {
                rc = hcode__err(ctx, HCODE_EFORMAT, "policy: \"require_presentation\" must be true or false");
                goto out;
            }
            p->require_presentation = json_is_true(v);
        } else {
            rc = hcode__err(ctx, HCODE_EFORMAT, "policy: unknown member \"%s\"", key);
            goto out;
        }
    }
    *out = p;
    p = NULL;
out:
    hcode_policy_free(p);
    json_decref(root);
    return rc;
}

int hcode_policy_load(hcode_ctx *ctx, const char *path, hcode_policy **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!path)
        return HCODE_EINVAL;
    char *buf = NULL;
    size_t len = 0;
    int rc = hcode__read_file(ctx, path, HCODE_POLICY_FILE_MAX, &buf, &len);
    if (rc)
        return rc;
    rc = hcode_policy_parse(ctx, buf, len, out);
    free(buf);
    return rc;
}

int hcode_ctx_set_policy(hcode_ctx *ctx, hcode_policy *p)
{
    if (!ctx) {
        hcode_policy_free(p);
        return HCODE_EINVAL;
    }
    if (ctx->policy != p)
        hcode_policy_free(ctx->policy);
    ctx->policy = p;
    return HCODE_OK;
}
