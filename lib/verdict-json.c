/* A verdict as one JSON object (the CLI's and bindings' machine output). */
#include "hcode-private.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

int hcode_verdict_to_json(const hcode_verdict *v, char **out)
{
    if (!v || !out)
        return HCODE_EINVAL;
    *out = NULL;
    json_t *o = json_object();
    int bad = !o;
    if (!bad) {
        bad |= set(o, "valid", json_boolean(v->code == HCODE_V_VALID));
        if (v->kind)
            bad |= set(o, "kind", json_string(hcode_kind_name(v->kind)));
        if (v->issuer[0])
            bad |= set(o, "issuer", json_string(v->issuer));
        if (v->region[0])
            bad |= set(o, "region", json_string(v->region));
        if (v->iat || v->exp) {
            bad |= set(o, "iat", json_integer(v->iat));
            bad |= set(o, "exp", json_integer(v->exp));
        }
        if (v->code_id[0])
            bad |= set(o, "code_id", json_string(v->code_id));
        if (v->kind == HCODE_KIND_PERSON || v->kind == HCODE_KIND_PRESENTATION) {
            if (v->status >= 0)
                bad |= set(o, "status", json_string(hcode_status_name(v->status)));
            if (v->subject[0])
                bad |= set(o, "subject", json_string(v->subject));
            if (v->name[0])
                bad |= set(o, "name", json_string(v->name));
            if (v->flags & HCODE_FLAG_PRINTED)
                bad |= set(o, "printed", json_true());
            if (v->flags & 0xff)
                bad |= set(o, "reasons", json_integer(v->flags & 0xff));
            if (v->has_holder)
                bad |= set(o, "holder_bound", json_true());
            if (v->kind == HCODE_KIND_PRESENTATION && v->presented_at)
                bad |= set(o, "presented_at", json_integer(v->presented_at));
        } else if (v->kind == HCODE_KIND_VENUE) {
            if (v->venue_id[0])
                bad |= set(o, "venue_id", json_string(v->venue_id));
            if (v->venue_name[0])
                bad |= set(o, "name", json_string(v->venue_name));
            if (v->venue_region[0])
                bad |= set(o, "venue_region", json_string(v->venue_region));
            if (v->category[0])
                bad |= set(o, "category", json_string(v->category));
        }
        if (v->code != HCODE_V_VALID) {
            bad |= set(o, "error", json_string(hcode_verdict_name(v->code)));
            bad |= set(o, "message", json_string(v->message));
        }
    }
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s)
        return HCODE_ENOMEM;
    /* json_dumps memory belongs to jansson's allocator (malloc by default):
     * hand out a copy from ours so hcode_free() is always right. */
    size_t n = strlen(s);
    *out = malloc(n + 1);
    if (*out)
        memcpy(*out, s, n + 1);
    free(s);
    return *out ? HCODE_OK : HCODE_ENOMEM;
}
