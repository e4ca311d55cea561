/* A scanned code as one JSON line: the verdict plus image and payload. */
#include "qr-private.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int hcode_scan_result_to_json(const hcode_scan_result *r, size_t i, const char *image, char **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    const hcode_verdict *v = hcode_scan_result_verdict(r, i);
    if (!v)
        return HCODE_EINVAL;
    char *vj = NULL;
    int rc = hcode_verdict_to_json(v, &vj);
    if (rc)
        return rc;
    json_t *verdict = json_loads(vj, 0, NULL);
    hcode_free(vj);
    json_t *o = json_object();
    int bad = !verdict || !o;
    if (!bad && image)
        bad |= json_object_set_new(o, "image", json_string(image));
    if (!bad)
        bad |= json_object_update(o, verdict);
    if (!bad) {
        const char *p = hcode_scan_result_payload(r, i);
        size_t n = hcode_scan_result_payload_len(r, i);
        json_t *s = json_stringn(p, n);
        if (s) {
            bad |= json_object_set_new(o, "payload", s);
        } else {
            /* not UTF-8 text (a code that is not ours): give the bytes */
            char *hex = malloc(2 * n + 1);
            if (!hex) {
                bad = 1;
            } else {
                hcode__hex(hex, (const uint8_t *)p, n);
                bad |= json_object_set_new(o, "payload_hex", json_string(hex));
                free(hex);
            }
        }
    }
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    json_decref(verdict);
    if (!s)
        return HCODE_ENOMEM;
    size_t n = strlen(s);
    *out = malloc(n + 1);
    if (*out)
        memcpy(*out, s, n + 1);
    free(s);
    return *out ? HCODE_OK : HCODE_ENOMEM;
}
