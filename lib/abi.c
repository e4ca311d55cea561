/* Names and sizes as functions, for language bindings. */
#include "hcode-private.h"
#include "hcode/abi.h"
#include "hcode/store.h"
#include "hcode/sys/store.h"
#include "hcode/trustlist.h"

const char *hcode_error_name(int code)
{
    switch (code) {
    case HCODE_OK: return "ok";
    case HCODE_EINVAL: return "einval";
    case HCODE_ENOMEM: return "enomem";
    case HCODE_EIO: return "eio";
    case HCODE_EFORMAT: return "eformat";
    case HCODE_EPERM: return "eperm";
    case HCODE_EEXIST: return "eexist";
    case HCODE_ECRYPTO: return "ecrypto";
    case HCODE_ELIMIT: return "elimit";
    case HCODE_ENOTFOUND: return "enotfound";
    case HCODE_ESTORE: return "estore";
    case HCODE_EAUDIT: return "eaudit";
    case HCODE_ETRUST: return "etrust";
    case HCODE_EIMAGE: return "eimage";
    case HCODE_EUNSUPPORTED: return "eunsupported";
    case HCODE_ECALLBACK: return "ecallback";
    case HCODE_EBUSY: return "ebusy";
    default: return NULL;
    }
}

unsigned hcode_store_version(void) { return HCODE_STORE_VERSION; }

const char *hcode_record_kind_name(int kind)
{
    switch (kind) {
    case HCODE_RECORD_IN: return "in";
    case HCODE_RECORD_OUT: return "out";
    default: return NULL;
    }
}

size_t hcode_presentation_id_bytes(void) { return sizeof ((hcode_verdict *)0)->pres_id; }

size_t hcode_record_size(void) { return sizeof(hcode_record); }
size_t hcode_trust_entry_size(void) { return sizeof(hcode_trust_entry); }
