"""Private 1:1 ctypes layer over libhcode.

One declaration per exported C function, in header order (the order of
<hcode.h>'s includes, then <hcode/sys/store.h>), with argtypes and
restype. Nothing here is Pythonic: see hcode/__init__.py for the API.

Conventions:
  - const char * / const uint8_t * inputs are c_char_p (bytes);
  - char ** / uint8_t ** outputs are POINTER(c_void_p): the memory is the
    library's, read with ctypes.string_at and released with hcode_free;
  - opaque handles are POINTER(<empty Structure>);
  - sizes come from the library's own size functions, never copied.

The library is loaded from $HCODE_LIBRARY when set (a path to
libhcode.so*), else from the installed soname libhcode.so.0.
"""

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int,
                    c_int64, c_size_t, c_uint, c_uint8, c_uint32, c_uint64,
                    c_void_p)

SONAME = "libhcode.so.0"


def _load():
    path = os.environ.get("HCODE_LIBRARY")
    return ctypes.CDLL(path if path else SONAME)


lib = _load()

# Every function bound here, by name: the binding test compares this with
# the library's dynamic symbol table.
bound = []


def _fn(name, restype, argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes
    globals()[name] = f
    bound.append(name)


# ---- opaque handles ----
class hcode_ctx(Structure):
    pass


class hcode_keypair(Structure):
    pass


class hcode_verdict(Structure):
    pass


class hcode_scan_result(Structure):
    pass


class hcode_store(Structure):
    pass


class hcode_policy(Structure):
    pass


class hcode_admission(Structure):
    pass


class hcode_trace(Structure):
    pass


class hcode_audit_report(Structure):
    pass


class hcode_outbox(Structure):
    pass


class hcode_import(Structure):
    pass


# ---- public structs (their sizes are checked against the library below) ----
class hcode_record(Structure):
    _fields_ = [
        ("record_id", c_char_p),
        ("subject", c_char_p),
        ("venue_id", c_char_p),
        ("gate", c_char_p),
        ("at", c_int64),
        ("kind", c_int),
        ("status", c_int),
    ]


hcode_record_cb = CFUNCTYPE(c_int, POINTER(hcode_record), c_void_p)
hcode_audit_line_cb = CFUNCTYPE(c_int, c_char_p, c_void_p)
hcode_import_progress_cb = CFUNCTYPE(None, c_uint64, c_uint64, c_uint64, c_void_p)

# hcode_trust_entry's array sizes are declared after the size functions
# are bound (see the end of this file).
class hcode_trust_entry(Structure):
    pass


# Methods of hcode_store_ops. `self` (void *) is unused by the Python
# backends (each registration has its own closures) and passed as NULL.
# errmsg returns a pointer the backend keeps valid until its next call.
store_put_t = CFUNCTYPE(c_int, c_void_p, POINTER(hcode_record))
store_query_subject_t = CFUNCTYPE(c_int, c_void_p, c_char_p, c_int64, c_int64,
                                  hcode_record_cb, c_void_p)
store_query_venue_t = CFUNCTYPE(c_int, c_void_p, c_char_p, c_int64, c_int64,
                                hcode_record_cb, c_void_p)
store_put_batch_t = CFUNCTYPE(c_int, c_void_p, POINTER(hcode_record), c_size_t)
store_purge_before_t = CFUNCTYPE(c_int, c_void_p, c_int64, POINTER(c_uint64))
store_audit_append_t = CFUNCTYPE(c_int, c_void_p, c_char_p)
store_audit_read_t = CFUNCTYPE(c_int, c_void_p, hcode_audit_line_cb, c_void_p)
store_errmsg_t = CFUNCTYPE(c_void_p, c_void_p)
store_query_subjects_t = CFUNCTYPE(c_int, c_void_p, POINTER(c_char_p), POINTER(c_int64),
                                   POINTER(c_int64), c_size_t, hcode_record_cb, c_void_p)
store_query_venues_t = CFUNCTYPE(c_int, c_void_p, POINTER(c_char_p), POINTER(c_int64),
                                 POINTER(c_int64), c_size_t, hcode_record_cb, c_void_p)
store_close_t = CFUNCTYPE(None, c_void_p)
store_presentation_consume_t = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int64, c_int64)


class hcode_store_ops(Structure):
    _fields_ = [
        ("version", c_uint),
        ("put", store_put_t),
        ("query_subject", store_query_subject_t),
        ("query_venue", store_query_venue_t),
        ("put_batch", store_put_batch_t),
        ("purge_before", store_purge_before_t),
        ("audit_append", store_audit_append_t),
        ("audit_read", store_audit_read_t),
        ("errmsg", store_errmsg_t),
        ("close", store_close_t),
        # version 2
        ("query_subjects", store_query_subjects_t),
        ("query_venues", store_query_venues_t),
        # version 3
        ("presentation_consume", store_presentation_consume_t),
    ]



# ---- include/hcode/common.h ----
_fn('hcode_strerror', c_char_p, [c_int])
_fn('hcode_version', c_char_p, [])
_fn('hcode_init', c_int, [])
_fn('hcode_free', None, [c_void_p])
_fn('hcode_now_sentinel', c_int64, [])
_fn('hcode_time_now', c_int64, [])
_fn('hcode_ctx_new', c_int, [POINTER(POINTER(hcode_ctx))])
_fn('hcode_ctx_free', None, [POINTER(hcode_ctx)])
_fn('hcode_errmsg', c_char_p, [POINTER(hcode_ctx)])
_fn('hcode_ctx_set_skew', c_int, [POINTER(hcode_ctx), c_int64])
_fn('hcode_ctx_skew', c_int64, [POINTER(hcode_ctx)])

# ---- include/hcode/keys.h ----
_fn('hcode_publickey_bytes', c_size_t, [])
_fn('hcode_kid_bytes', c_size_t, [])
_fn('hcode_pseudonym_bytes', c_size_t, [])
_fn('hcode_region_max', c_size_t, [])
_fn('hcode_keypair_generate', c_int, [POINTER(POINTER(hcode_keypair)), c_char_p])
_fn('hcode_keypair_save', c_int, [POINTER(hcode_keypair), c_char_p])
_fn('hcode_keypair_load', c_int, [POINTER(POINTER(hcode_keypair)), c_char_p])
_fn('hcode_keypair_free', None, [POINTER(hcode_keypair)])
_fn('hcode_keypair_region', c_char_p, [POINTER(hcode_keypair)])
_fn('hcode_keypair_kid_hex', c_char_p, [POINTER(hcode_keypair)])
_fn('hcode_keypair_public_key', None, [POINTER(hcode_keypair), c_char_p])
_fn('hcode_keypair_public_json', c_int, [POINTER(hcode_keypair), POINTER(c_void_p)])
_fn('hcode_keypair_pseudonym', c_int, [POINTER(hcode_keypair), c_char_p, c_char_p, c_size_t])

# ---- include/hcode/code.h ----
_fn('hcode_verdict_name', c_char_p, [c_int])
_fn('hcode_status_name', c_char_p, [c_int])
_fn('hcode_status_parse', c_int, [c_char_p])
_fn('hcode_kind_name', c_char_p, [c_int])
_fn('hcode_payload_max', c_size_t, [])
_fn('hcode_issue_person', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), c_char_p, c_int, c_int64, c_int64, c_char_p, c_uint32, c_char_p, POINTER(c_void_p)])
_fn('hcode_issue_venue', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), c_char_p, c_char_p, c_char_p, c_char_p, c_int64, c_int64, POINTER(c_void_p)])
_fn('hcode_trust_add_key', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p])
_fn('hcode_trust_add_keypair', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair)])
_fn('hcode_trust_add_file', c_int, [POINTER(hcode_ctx), c_char_p])
_fn('hcode_public_key_load', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p])
_fn('hcode_trust_count', c_size_t, [POINTER(hcode_ctx)])
_fn('hcode_verify', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int64, POINTER(POINTER(hcode_verdict))])
_fn('hcode_verdict_free', None, [POINTER(hcode_verdict)])
_fn('hcode_verdict_valid', c_int, [POINTER(hcode_verdict)])
_fn('hcode_verdict_code', c_int, [POINTER(hcode_verdict)])
_fn('hcode_verdict_error', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_message', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_kind', c_int, [POINTER(hcode_verdict)])
_fn('hcode_verdict_issuer', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_region', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_iat', c_int64, [POINTER(hcode_verdict)])
_fn('hcode_verdict_exp', c_int64, [POINTER(hcode_verdict)])
_fn('hcode_verdict_code_id', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_status', c_int, [POINTER(hcode_verdict)])
_fn('hcode_verdict_subject', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_flags', c_uint32, [POINTER(hcode_verdict)])
_fn('hcode_verdict_name_text', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_has_holder', c_int, [POINTER(hcode_verdict)])
_fn('hcode_verdict_venue_id', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_venue_name', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_venue_region', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_category', c_char_p, [POINTER(hcode_verdict)])
_fn('hcode_verdict_to_json', c_int, [POINTER(hcode_verdict), POINTER(c_void_p)])

# ---- include/hcode/trustlist.h ----
_fn('hcode_trust_entry_from_file', c_int, [POINTER(hcode_ctx), c_char_p, POINTER(hcode_trust_entry)])
_fn('hcode_trustlist_sign', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), POINTER(hcode_trust_entry), c_size_t, c_int64, c_int64, POINTER(c_void_p)])
_fn('hcode_trustlist_load', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_char_p, c_int64])
_fn('hcode_trustlist_load_file', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p, c_int64])
_fn('hcode_code_id_bytes', c_size_t, [])
_fn('hcode_code_id', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), c_char_p, c_size_t, c_char_p])
_fn('hcode_revocation_sign', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), c_char_p, c_size_t, c_int64, POINTER(c_void_p)])
_fn('hcode_revocation_load', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int64])
_fn('hcode_revocation_load_file', c_int, [POINTER(hcode_ctx), c_char_p, c_int64])
_fn('hcode_revocation_count', c_size_t, [POINTER(hcode_ctx)])
_fn('hcode_revocation_memory', c_size_t, [POINTER(hcode_ctx)])

# ---- include/hcode/present.h ----
_fn('hcode_present', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair), c_char_p, c_size_t, c_int64, POINTER(c_void_p)])
_fn('hcode_ctx_set_freshness', c_int, [POINTER(hcode_ctx), c_int64])
_fn('hcode_ctx_freshness', c_int64, [POINTER(hcode_ctx)])
_fn('hcode_ctx_require_presentation', c_int, [POINTER(hcode_ctx), c_int])
_fn('hcode_presentation_consume', c_int, [POINTER(hcode_ctx), POINTER(hcode_verdict)])
_fn('hcode_verdict_presented_at', c_int64, [POINTER(hcode_verdict)])
_fn('hcode_verdict_printed', c_int, [POINTER(hcode_verdict)])

# ---- include/hcode/store.h ----
_fn('hcode_store_open', c_int, [POINTER(POINTER(hcode_store)), c_char_p])
_fn('hcode_ctx_open_store', c_int, [POINTER(hcode_ctx), c_char_p])
_fn('hcode_store_sqlite_open', c_int, [POINTER(POINTER(hcode_store)), c_char_p, c_uint])
_fn('hcode_store_free', None, [POINTER(hcode_store)])
_fn('hcode_ctx_set_store', c_int, [POINTER(hcode_ctx), POINTER(hcode_store)])
_fn('hcode_ctx_store', POINTER(hcode_store), [POINTER(hcode_ctx)])
_fn('hcode_store_put', c_int, [POINTER(hcode_store), POINTER(hcode_record)])
_fn('hcode_store_put_batch', c_int, [POINTER(hcode_store), POINTER(hcode_record), c_size_t])
_fn('hcode_store_query_subject', c_int, [POINTER(hcode_store), c_char_p, c_int64, c_int64, hcode_record_cb, c_void_p])
_fn('hcode_store_query_venue', c_int, [POINTER(hcode_store), c_char_p, c_int64, c_int64, hcode_record_cb, c_void_p])
_fn('hcode_store_query_subjects', c_int, [POINTER(hcode_store), POINTER(c_char_p), POINTER(c_int64), POINTER(c_int64), c_size_t, hcode_record_cb, c_void_p])
_fn('hcode_store_query_venues', c_int, [POINTER(hcode_store), POINTER(c_char_p), POINTER(c_int64), POINTER(c_int64), c_size_t, hcode_record_cb, c_void_p])
_fn('hcode_store_errmsg', c_char_p, [POINTER(hcode_store)])

# ---- include/hcode/policy.h ----
_fn('hcode_policy_new', c_int, [POINTER(POINTER(hcode_policy))])
_fn('hcode_policy_parse', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, POINTER(POINTER(hcode_policy))])
_fn('hcode_policy_load', c_int, [POINTER(hcode_ctx), c_char_p, POINTER(POINTER(hcode_policy))])
_fn('hcode_policy_free', None, [POINTER(hcode_policy)])
_fn('hcode_policy_admits', c_int, [POINTER(hcode_policy), c_int])
_fn('hcode_policy_set_admits', c_int, [POINTER(hcode_policy), c_int, c_int])
_fn('hcode_policy_printed', c_int, [POINTER(hcode_policy)])
_fn('hcode_policy_set_printed', c_int, [POINTER(hcode_policy), c_int])
_fn('hcode_policy_max_code_age', c_int64, [POINTER(hcode_policy)])
_fn('hcode_policy_set_max_code_age', c_int, [POINTER(hcode_policy), c_int64])
_fn('hcode_policy_dwell', c_int64, [POINTER(hcode_policy)])
_fn('hcode_policy_set_dwell', c_int, [POINTER(hcode_policy), c_int64])
_fn('hcode_policy_require_presentation', c_int, [POINTER(hcode_policy)])
_fn('hcode_policy_set_require_presentation', c_int, [POINTER(hcode_policy), c_int])
_fn('hcode_ctx_set_policy', c_int, [POINTER(hcode_ctx), POINTER(hcode_policy)])

# ---- include/hcode/checkin.h ----
_fn('hcode_checkin', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p, c_char_p, c_int64, POINTER(POINTER(hcode_admission))])
_fn('hcode_checkout', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p, c_char_p, c_int64, POINTER(POINTER(hcode_admission))])
_fn('hcode_admission_free', None, [POINTER(hcode_admission)])
_fn('hcode_admission_admitted', c_int, [POINTER(hcode_admission)])
_fn('hcode_admission_reason', c_char_p, [POINTER(hcode_admission)])
_fn('hcode_admission_message', c_char_p, [POINTER(hcode_admission)])
_fn('hcode_admission_status', c_int, [POINTER(hcode_admission)])
_fn('hcode_admission_subject', c_char_p, [POINTER(hcode_admission)])
_fn('hcode_admission_venue_id', c_char_p, [POINTER(hcode_admission)])
_fn('hcode_admission_at', c_int64, [POINTER(hcode_admission)])
_fn('hcode_admission_record_id', c_char_p, [POINTER(hcode_admission)])
_fn('hcode_admission_manual_check', c_int, [POINTER(hcode_admission)])
_fn('hcode_admission_presentation', c_int, [POINTER(hcode_admission)])
_fn('hcode_admission_to_json', c_int, [POINTER(hcode_admission), POINTER(c_void_p)])

# ---- include/hcode/trace.h ----
_fn('hcode_trace_subject', c_int, [POINTER(hcode_ctx), c_char_p, c_int64, c_int64, c_int64, c_int, c_int64, c_char_p, c_char_p, POINTER(POINTER(hcode_trace))])
_fn('hcode_trace_venue', c_int, [POINTER(hcode_ctx), c_char_p, c_int64, c_int64, c_int64, c_int64, c_char_p, c_char_p, POINTER(POINTER(hcode_trace))])
_fn('hcode_trace_free', None, [POINTER(hcode_trace)])
_fn('hcode_trace_count', c_size_t, [POINTER(hcode_trace)])
_fn('hcode_trace_contact_subject', c_char_p, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_contact_venue', c_char_p, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_contact_start', c_int64, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_contact_seconds', c_int64, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_contact_depth', c_int, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_visit_count', c_size_t, [POINTER(hcode_trace)])
_fn('hcode_trace_visit_venue', c_char_p, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_visit_start', c_int64, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_visit_end', c_int64, [POINTER(hcode_trace), c_size_t])
_fn('hcode_trace_to_jsonl', c_int, [POINTER(hcode_trace), POINTER(c_void_p)])
_fn('hcode_trace_to_csv', c_int, [POINTER(hcode_trace), POINTER(c_void_p)])

# ---- include/hcode/audit.h ----
_fn('hcode_ctx_set_audit_key', c_int, [POINTER(hcode_ctx), POINTER(hcode_keypair)])
_fn('hcode_ctx_set_audit_head_file', c_int, [POINTER(hcode_ctx), c_char_p])
_fn('hcode_audit_append', c_int, [POINTER(hcode_ctx), c_char_p, c_char_p, c_char_p, c_uint64])
_fn('hcode_audit_verify', c_int, [POINTER(hcode_ctx), c_char_p, POINTER(POINTER(hcode_audit_report))])
_fn('hcode_audit_report_free', None, [POINTER(hcode_audit_report)])
_fn('hcode_audit_report_ok', c_int, [POINTER(hcode_audit_report)])
_fn('hcode_audit_report_entries', c_uint64, [POINTER(hcode_audit_report)])
_fn('hcode_audit_report_bad_entry', c_uint64, [POINTER(hcode_audit_report)])
_fn('hcode_audit_report_problem', c_char_p, [POINTER(hcode_audit_report)])
_fn('hcode_audit_report_signed', c_int, [POINTER(hcode_audit_report)])
_fn('hcode_purge', c_int, [POINTER(hcode_ctx), c_int64, c_char_p, c_char_p, POINTER(c_uint64)])

# ---- include/hcode/qr.h ----
_fn('hcode_qr_format_parse', c_int, [c_char_p])
_fn('hcode_qr_ecc_parse', c_int, [c_char_p])
_fn('hcode_qr_colour', c_uint32, [c_char_p, c_size_t])
_fn('hcode_qr_matrix', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int, POINTER(c_void_p), POINTER(c_int)])
_fn('hcode_qr_render', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int, c_int, c_int, POINTER(c_void_p), POINTER(c_size_t)])
_fn('hcode_qr_render_gray', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int, c_int, POINTER(c_void_p), POINTER(c_int)])
_fn('hcode_qr_scan_gray', c_int, [POINTER(hcode_ctx), c_char_p, c_int, c_int, c_int, c_int64, POINTER(POINTER(hcode_scan_result))])
_fn('hcode_qr_scan_file', c_int, [POINTER(hcode_ctx), c_char_p, c_int64, POINTER(POINTER(hcode_scan_result))])
_fn('hcode_qr_scan_image_bytes', c_int, [POINTER(hcode_ctx), c_char_p, c_size_t, c_int64, POINTER(POINTER(hcode_scan_result))])
_fn('hcode_scan_result_free', None, [POINTER(hcode_scan_result)])
_fn('hcode_scan_result_count', c_size_t, [POINTER(hcode_scan_result)])
_fn('hcode_scan_result_payload', c_void_p, [POINTER(hcode_scan_result), c_size_t])
_fn('hcode_scan_result_payload_len', c_size_t, [POINTER(hcode_scan_result), c_size_t])
_fn('hcode_scan_result_verdict', POINTER(hcode_verdict), [POINTER(hcode_scan_result), c_size_t])
_fn('hcode_scan_result_to_json', c_int, [POINTER(hcode_scan_result), c_size_t, c_char_p, POINTER(c_void_p)])
_fn('hcode_scan_result_pass', c_char_p, [POINTER(hcode_scan_result)])
_fn('hcode_qr_decoders_available', c_uint, [])
_fn('hcode_qr_set_decoders', c_int, [POINTER(hcode_ctx), c_uint])
_fn('hcode_qr_set_time_budget', c_int, [POINTER(hcode_ctx), c_int])
_fn('hcode_qr_set_cache_window', c_int, [POINTER(hcode_ctx), c_int64])
_fn('hcode_qr_cache_clear', None, [POINTER(hcode_ctx)])

# ---- include/hcode/outbox.h ----
_fn('hcode_outbox_open', c_int, [POINTER(POINTER(hcode_outbox)), c_char_p])
_fn('hcode_outbox_free', None, [POINTER(hcode_outbox)])
_fn('hcode_outbox_queue', c_int, [POINTER(hcode_outbox), POINTER(hcode_record)])
_fn('hcode_outbox_pending', c_int, [POINTER(hcode_outbox), POINTER(c_uint64)])
_fn('hcode_outbox_flush', c_int, [POINTER(hcode_outbox), POINTER(hcode_store), POINTER(c_uint64)])
_fn('hcode_outbox_put', c_int, [POINTER(hcode_outbox), POINTER(hcode_store), POINTER(hcode_record), POINTER(c_int)])
_fn('hcode_outbox_last_queued', c_int, [POINTER(hcode_outbox)])
_fn('hcode_outbox_store_new', c_int, [POINTER(POINTER(hcode_store)), POINTER(hcode_outbox), POINTER(hcode_store)])
_fn('hcode_outbox_errmsg', c_char_p, [POINTER(hcode_outbox)])

# ---- include/hcode/import.h ----
_fn('hcode_import_new', c_int, [POINTER(POINTER(hcode_import)), POINTER(hcode_store), POINTER(hcode_keypair)])
_fn('hcode_import_free', None, [POINTER(hcode_import)])
_fn('hcode_import_add_venue', c_int, [POINTER(hcode_import), c_char_p])
_fn('hcode_import_load_venues', c_int, [POINTER(hcode_import), c_char_p])
_fn('hcode_import_allow_any_venue', None, [POINTER(hcode_import), c_int])
_fn('hcode_import_set_utc_offset', c_int, [POINTER(hcode_import), c_int])
_fn('hcode_import_set_rejects', c_int, [POINTER(hcode_import), c_char_p])
_fn('hcode_import_set_batch_rows', c_int, [POINTER(hcode_import), c_size_t])
_fn('hcode_import_set_now', None, [POINTER(hcode_import), c_int64])
_fn('hcode_import_set_progress', None, [POINTER(hcode_import), hcode_import_progress_cb, c_void_p])
_fn('hcode_import_csv', c_int, [POINTER(hcode_import), c_char_p])
_fn('hcode_import_count', c_uint64, [POINTER(hcode_import), c_int])
_fn('hcode_import_errmsg', c_char_p, [POINTER(hcode_import)])
_fn('hcode_identifier_problem', c_char_p, [c_char_p, c_int64])

# ---- include/hcode/abi.h ----
_fn('hcode_error_name', c_char_p, [c_int])
_fn('hcode_store_version', c_uint, [])
_fn('hcode_record_kind_name', c_char_p, [c_int])
_fn('hcode_presentation_id_bytes', c_size_t, [])
_fn('hcode_record_size', c_size_t, [])
_fn('hcode_trust_entry_size', c_size_t, [])

# ---- include/hcode/sys/store.h ----
_fn('hcode_store_ops_size', c_size_t, [])
_fn('hcode_store_new', c_int, [POINTER(POINTER(hcode_store)), POINTER(hcode_store_ops), c_void_p])


# ---- layouts checked against the library ----
hcode_trust_entry._fields_ = [
    ("region", c_char * (hcode_region_max() + 1)),
    ("public_key", c_uint8 * hcode_publickey_bytes()),
    ("not_before", c_int64),
    ("not_after", c_int64),
    ("usage", c_uint),
]


def _check_size(struct, size_fn):
    if ctypes.sizeof(struct) != size_fn():
        raise ImportError("libhcode ABI mismatch: sizeof(%s) is %d in the library, %d here"
                          % (struct.__name__, size_fn(), ctypes.sizeof(struct)))


_check_size(hcode_record, hcode_record_size)
_check_size(hcode_trust_entry, hcode_trust_entry_size)
_check_size(hcode_store_ops, hcode_store_ops_size)
