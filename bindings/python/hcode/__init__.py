"""libhcode for Python: signed health codes and venue codes.

    import hcode

    with hcode.Context() as ctx:
        issuer = hcode.Keypair.generate(region="CN-370100")
        ctx.add_trust(issuer)
        code = ctx.issue(issuer, subject="370102199003077777", status=hcode.Status.GREEN)
        v = ctx.verify(code)

A thin Pythonic layer over the private ctypes layer (hcode._lib): the
context as a context manager, enums, dataclass results and an exception
hierarchy with one class per library error code and per verdict.
"""

import ctypes
import datetime as _dt
import enum
import os
from dataclasses import dataclass
from typing import List, Optional

from . import _lib as L

__all__ = [
    "Context", "Keypair", "Status", "Verdict", "Admission", "Contact", "Visit",
    "TraceResult", "CheckinRecord", "AuditReport", "Store", "Policy",
    "HcodeError", "VerdictError", "version", "now",
]

# ---------------------------------------------------------------------------
# Small helpers

_NOW = L.hcode_now_sentinel()


def _s(b):
    """C string (bytes or None) to str."""
    return None if b is None else b.decode("utf-8", "replace")


def _b(s, what="argument"):
    """str/bytes/PathLike to bytes for a const char * argument."""
    if s is None:
        return None
    if isinstance(s, bytes):
        return s
    if isinstance(s, os.PathLike):
        return os.fsencode(s)
    if isinstance(s, str):
        return s.encode("utf-8")
    raise InvalidArgument("%s must be text, not %s" % (what, type(s).__name__))


def _time(t, what="time"):
    """None (now), int/float Unix seconds or an aware datetime -> int64."""
    if t is None:
        return _NOW
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            raise InvalidArgument("%s: a datetime must carry a time zone" % what)
        return int(t.timestamp())
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise InvalidArgument("%s must be Unix seconds or a datetime" % what)
    return int(t)


def _take_string(p):
    """Reads a library-allocated NUL-terminated string and frees it."""
    try:
        return ctypes.string_at(p.value).decode("utf-8")
    finally:
        L.hcode_free(p)


def _take_bytes(p, n):
    try:
        return ctypes.string_at(p.value, n)
    finally:
        L.hcode_free(p)


def version():
    """The library's version string."""
    return _s(L.hcode_version())


def now():
    """The library's clock (Unix seconds)."""
    return L.hcode_time_now()


# ---------------------------------------------------------------------------
# Errors: one class per library error code and per verdict code

class HcodeError(Exception):
    """Base of every error the binding raises."""
    code = None      # the negative HCODE_E* value (library errors)
    name = None      # its stable name ("einval", ... or a verdict name)

    def __init__(self, message="", code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidArgument(HcodeError, ValueError):
    """HCODE_EINVAL: a bad argument."""


class OutOfMemory(HcodeError, MemoryError):
    """HCODE_ENOMEM."""


class FileError(HcodeError):
    """HCODE_EIO: a file could not be read or written."""


class FormatError(HcodeError):
    """HCODE_EFORMAT: a file or buffer is not in the expected format."""


class SecretFilePermissions(HcodeError):
    """HCODE_EPERM: a secret file is readable by group or others."""


class FileExists(HcodeError):
    """HCODE_EEXIST: refusing to overwrite a file."""


class CryptoError(HcodeError):
    """HCODE_ECRYPTO."""


class LimitExceeded(HcodeError):
    """HCODE_ELIMIT: input larger than the documented bound."""


class NotFound(HcodeError):
    """HCODE_ENOTFOUND."""


class StorageError(HcodeError):
    """HCODE_ESTORE: the storage backend failed."""


class AuditError(HcodeError):
    """HCODE_EAUDIT: the audit log could not be written or is broken."""


class TrustError(HcodeError):
    """HCODE_ETRUST: a trust or revocation list is invalid or expired."""


class ImageError(HcodeError):
    """HCODE_EIMAGE: an image could not be decoded."""


class Unsupported(HcodeError):
    """HCODE_EUNSUPPORTED: not built in or not offered by the backend."""


class CallbackError(HcodeError):
    """HCODE_ECALLBACK: a host callback misbehaved."""


class Busy(HcodeError):
    """HCODE_EBUSY."""


class UnknownError(HcodeError):
    """A code this binding does not know."""


_ERROR_CLASSES = {
    "einval": InvalidArgument, "enomem": OutOfMemory, "eio": FileError,
    "eformat": FormatError, "eperm": SecretFilePermissions, "eexist": FileExists,
    "ecrypto": CryptoError, "elimit": LimitExceeded, "enotfound": NotFound,
    "estore": StorageError, "eaudit": AuditError, "etrust": TrustError,
    "eimage": ImageError, "eunsupported": Unsupported, "ecallback": CallbackError,
    "ebusy": Busy,
}
_BY_CODE = {}


def _build_error_table():
    code = -1
    while True:
        name = L.hcode_error_name(code)
        if name is None:
            break
        name = name.decode()
        cls = _ERROR_CLASSES.get(name)
        if cls is not None:
            cls.code = code
            cls.name = name
            _BY_CODE[code] = cls
        code -= 1


_build_error_table()


def _error_for(code, detail=""):
    cls = _BY_CODE.get(code, UnknownError)
    text = _s(L.hcode_strerror(code))
    msg = "%s: %s" % (text, detail) if detail and detail != text else text
    return cls(msg, code)


class VerdictError(HcodeError):
    """A code was verified and found not valid; .verdict has the details."""

    def __init__(self, message="", verdict=None):
        super().__init__(message)
        self.verdict = verdict


class Malformed(VerdictError):
    pass


class BadSignature(VerdictError):
    pass


class UnknownIssuer(VerdictError):
    pass


class Expired(VerdictError):
    pass


class NotYetValid(VerdictError):
    pass


class Stale(VerdictError):
    pass


class Revoked(VerdictError):
    pass


class HolderBindingRequired(VerdictError):
    pass


class Replayed(VerdictError):
    pass


class KeyNotPermitted(VerdictError):
    pass


class HolderMismatch(VerdictError):
    pass


_VERDICT_CLASSES = {
    "malformed": Malformed, "bad_signature": BadSignature, "unknown_issuer": UnknownIssuer,
    "expired": Expired, "not_yet_valid": NotYetValid, "stale": Stale, "revoked": Revoked,
    "holder_binding_required": HolderBindingRequired, "replayed": Replayed,
    "key_not_permitted": KeyNotPermitted, "holder_mismatch": HolderMismatch,
}


def _verdict_names():
    names, i = {}, 0
    while True:
        n = _s(L.hcode_verdict_name(i))
        if n == "unknown":
            return names
        names[n] = i
        i += 1


VERDICT_CODES = _verdict_names()   # name -> stable verdict code
for _n, _c in VERDICT_CODES.items():
    if _n in _VERDICT_CLASSES:
        _VERDICT_CLASSES[_n].code = _c
        _VERDICT_CLASSES[_n].name = _n


class DeniedEntry(HcodeError):
    """Raised by Admission.check() for a person who was not admitted."""

    def __init__(self, message="", admission=None):
        super().__init__(message)
        self.admission = admission


# ---------------------------------------------------------------------------
# Enums


def _status_enum():
    members, i = {}, 0
    while True:
        n = L.hcode_status_name(i)
        if n is None:
            break
        members[n.decode().upper()] = i
        i += 1
    return enum.IntEnum("Status", members, module=__name__)


Status = _status_enum()
Status.__doc__ = "A person's health-code status (values from the library)."
Status.__str__ = lambda self: _s(L.hcode_status_name(int(self)))


def _status(value):
    if isinstance(value, Status):
        return int(value)
    if isinstance(value, str):
        v = L.hcode_status_parse(value.encode())
        if v < 0:
            raise InvalidArgument("unknown status %r" % value)
        return v
    if isinstance(value, int) and L.hcode_status_name(value) is not None:
        return value
    raise InvalidArgument("unknown status %r" % (value,))


def _opt_status(v):
    return Status(v) if v >= 0 and L.hcode_status_name(v) is not None else None


def _record_kinds():
    kinds, i = {}, 0
    while i < 16:
        n = L.hcode_record_kind_name(i)
        if n is not None:
            kinds[n.decode()] = i
        i += 1
    return kinds


RECORD_KINDS = _record_kinds()      # "in"/"out" -> C value
_KIND_NAMES = {v: k for k, v in RECORD_KINDS.items()}


# ---------------------------------------------------------------------------
# Results


@dataclass
class Verdict:
    """The outcome of verifying one payload (valid or not)."""
    valid: bool
    kind: Optional[str]
    status: Optional[Status]
    subject: str
    venue_id: str
    issuer: str
    iat: int
    exp: int
    error: Optional[str]
    message: str = ""
    code: int = 0
    region: str = ""
    name: str = ""
    venue_name: str = ""
    category: str = ""
    code_id: str = ""
    flags: int = 0
    has_holder: bool = False
    printed: bool = False
    presented_at: int = 0
    payload: Optional[str] = None
    json: str = ""

    def __bool__(self):
        return self.valid

    def check(self):
        """Returns self when valid, else raises the verdict's VerdictError."""
        if self.valid:
            return self
        cls = _VERDICT_CLASSES.get(self.error, VerdictError)
        raise cls("%s: %s" % (self.error, self.message), verdict=self)

    @classmethod
    def _from(cls, vp, payload=None):
        kind = L.hcode_verdict_kind(vp)
        j = ctypes.c_void_p()
        rc = L.hcode_verdict_to_json(vp, ctypes.byref(j))
        if rc != 0:
            raise _error_for(rc)
        return cls(
            valid=bool(L.hcode_verdict_valid(vp)),
            kind=_s(L.hcode_kind_name(kind)) if kind else None,
            status=_opt_status(L.hcode_verdict_status(vp)),
            subject=_s(L.hcode_verdict_subject(vp)),
            venue_id=_s(L.hcode_verdict_venue_id(vp)),
            issuer=_s(L.hcode_verdict_issuer(vp)),
            iat=L.hcode_verdict_iat(vp),
            exp=L.hcode_verdict_exp(vp),
            error=_s(L.hcode_verdict_error(vp)),
            message=_s(L.hcode_verdict_message(vp)),
            code=L.hcode_verdict_code(vp),
            region=_s(L.hcode_verdict_region(vp)),
            name=_s(L.hcode_verdict_name_text(vp)),
            venue_name=_s(L.hcode_verdict_venue_name(vp)),
            category=_s(L.hcode_verdict_category(vp)),
            code_id=_s(L.hcode_verdict_code_id(vp)),
            flags=L.hcode_verdict_flags(vp),
            has_holder=bool(L.hcode_verdict_has_holder(vp)),
            printed=bool(L.hcode_verdict_printed(vp)),
            presented_at=L.hcode_verdict_presented_at(vp),
            payload=payload,
            json=_take_string(j),
        )


@dataclass
class Admission:
    """The outcome of a check-in or check-out."""
    admitted: bool
    reason: str
    status: Optional[Status]
    subject: str
    venue_id: str
    at: int
    message: str = ""
    record_id: str = ""
    json: str = ""

    def __bool__(self):
        return self.admitted

    def check(self):
        if not self.admitted:
            raise DeniedEntry("%s: %s" % (self.reason, self.message), admission=self)
        return self

    @classmethod
    def _from(cls, ap):
        j = ctypes.c_void_p()
        rc = L.hcode_admission_to_json(ap, ctypes.byref(j))
        if rc != 0:
            raise _error_for(rc)
        return cls(
            admitted=bool(L.hcode_admission_admitted(ap)),
            reason=_s(L.hcode_admission_reason(ap)),
            status=_opt_status(L.hcode_admission_status(ap)),
            subject=_s(L.hcode_admission_subject(ap)),
            venue_id=_s(L.hcode_admission_venue_id(ap)),
            at=L.hcode_admission_at(ap),
            message=_s(L.hcode_admission_message(ap)),
            record_id=_s(L.hcode_admission_record_id(ap)),
            json=_take_string(j),
        )


@dataclass
class Contact:
    """A person whose presence overlapped the case's at a venue."""
    subject: str
    venue_id: str
    overlap_start: int
    overlap_seconds: int
    depth: int


@dataclass
class Visit:
    """One of the case's own visits."""
    venue_id: str
    start: int
    end: int


class TraceResult(list):
    """The list of Contact of a trace; .visits has the case's visits,
    .jsonl and .csv the library's exports."""
    visits: List[Visit]
    jsonl: str
    csv: str


@dataclass
class CheckinRecord:
    """One stored check-in or check-out (what a Store keeps)."""
    subject: str
    venue_id: str
    at: int
    kind: str = "in"                 # "in" or "out"
    status: Status = None
    gate: str = ""
    record_id: str = ""

    def __post_init__(self):
        if self.status is None:
            self.status = Status(0)

    @classmethod
    def _from_c(cls, r):
        return cls(subject=_s(r.subject), venue_id=_s(r.venue_id), at=r.at,
                   kind=_KIND_NAMES.get(r.kind, str(r.kind)),
                   status=_opt_status(r.status), gate=_s(r.gate) or "",
                   record_id=_s(r.record_id))

    def _to_c(self, keep):
        """Fills an hcode_record; `keep` holds the encoded strings alive."""
        if self.kind not in RECORD_KINDS:
            raise InvalidArgument("record kind must be one of %s" % sorted(RECORD_KINDS))
        s = [_b(self.record_id or ""), _b(self.subject), _b(self.venue_id), _b(self.gate or "")]
        keep.extend(s)
        return L.hcode_record(record_id=s[0], subject=s[1], venue_id=s[2], gate=s[3],
                              at=int(self.at), kind=RECORD_KINDS[self.kind],
                              status=_status(self.status))


@dataclass
class AuditReport:
    ok: bool
    entries: int
    bad_entry: int
    problem: str
    signed: bool

    def __bool__(self):
        return self.ok


# ---------------------------------------------------------------------------
# Keys


class Keypair:
    """An Ed25519 issuer or holder key pair."""

    def __init__(self, _handle):
        self._h = _handle

    @classmethod
    def generate(cls, region=None):
        h = ctypes.POINTER(L.hcode_keypair)()
        _check(L.hcode_keypair_generate(ctypes.byref(h), _b(region, "region")))
        return cls(h)

    @classmethod
    def load(cls, path):
        """Loads PREFIX.key (a prefix without ".key" is accepted too)."""
        p = os.fspath(path)
        if not p.endswith(".key") and os.path.exists(p + ".key"):
            p += ".key"
        h = ctypes.POINTER(L.hcode_keypair)()
        _check(L.hcode_keypair_load(ctypes.byref(h), _b(p)), "cannot load key %s" % p)
        return cls(h)

    def save(self, prefix):
        """Writes PREFIX.key (mode 0600) and PREFIX.pub, as `hcode keygen`."""
        _check(L.hcode_keypair_save(self._handle(), _b(prefix)), "cannot save %s" % os.fspath(prefix))

    def _handle(self):
        if not self._h:
            raise InvalidArgument("key pair is closed")
        return self._h

    @property
    def region(self):
        return _s(L.hcode_keypair_region(self._handle()))

    @property
    def kid(self):
        """Key id, lower-case hex."""
        return _s(L.hcode_keypair_kid_hex(self._handle()))

    @property
    def public_key(self):
        buf = ctypes.create_string_buffer(L.hcode_publickey_bytes())
        L.hcode_keypair_public_key(self._handle(), buf)
        return buf.raw

    @property
    def public_json(self):
        """The PREFIX.pub document (JSON text)."""
        p = ctypes.c_void_p()
        _check(L.hcode_keypair_public_json(self._handle(), ctypes.byref(p)))
        return _take_string(p)

    def pseudonym(self, identifier):
        """The subject pseudonym this issuer gives an identifier (hex)."""
        n = 2 * L.hcode_pseudonym_bytes() + 1
        buf = ctypes.create_string_buffer(n)
        _check(L.hcode_keypair_pseudonym(self._handle(), _b(identifier, "identifier"), buf, n))
        return _s(buf.value)

    def close(self):
        if self._h:
            L.hcode_keypair_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<hcode.Keypair kid=%s region=%s>" % (self.kid, self.region) if self._h else "<hcode.Keypair closed>"


def _check(rc, detail=""):
    if rc != 0:
        raise _error_for(rc, detail)


# ---------------------------------------------------------------------------
# Storage backends written in Python


class Store:
    """Base class of a storage backend written in Python.

    Subclasses implement the required methods of the C storage callback
    struct (hcode_store_ops):

        put(record)                          store a CheckinRecord durably;
                                             storing the same record_id
                                             twice must store it once
        query_subject(subject, frm, to)      iterable of CheckinRecord
        query_venue(venue_id, frm, to)       iterable of CheckinRecord
                                             (records with frm <= at < to)

    and may implement the optional ones (only those defined are offered
    to the library):

        put_batch(records)                   all or none
        purge_before(before) -> int          number removed
        audit_append(line)                   durably append one audit line
        audit_read() -> iterable of str      the audit lines, in order
        query_subjects(windows)              records of subject s with
        query_venues(windows)                frm <= at < to for every
                                             (s, frm, to) in windows (venue
                                             ids for query_venues): one
                                             call instead of one per window
        presentation_consume(id, until, at)  shared replay cache: return
                                             False when `id` (bytes) is held
                                             with an expiry >= at (a replay),
                                             else keep it until `until` and
                                             return True

    An exception raised by a method becomes an error code of the C call
    that invoked it (an HcodeError's own code, else HCODE_ECALLBACK) and
    is re-raised from the Context method that started the call.
    """

    _OPTIONAL = ("put_batch", "purge_before", "audit_append", "audit_read", "query_subjects", "query_venues", "presentation_consume")

    def put(self, record):
        raise NotImplementedError

    def query_subject(self, subject, frm, to):
        raise NotImplementedError

    def query_venue(self, venue_id, frm, to):
        raise NotImplementedError

    def _offers(self, name):
        return name in _defined_methods(type(self)) and callable(getattr(self, name, None))


def _defined_methods(cls):
    names = set()
    for c in cls.__mro__:
        if c is Store:
            break
        names.update(vars(c))
    return names


class _StoreBinding:
    """The ctypes side of one registration of a Python Store with a
    context: the CFUNCTYPE objects (kept alive as long as the C store may
    call them, i.e. until its close method ran), and the first exception
    a callback raised, to re-raise from the Python call."""

    def __init__(self, store):
        self.store = store
        self.pending = None
        self.closed = False
        self._errmsg = ctypes.create_string_buffer(b"")
        self._keep = []
        ops = L.hcode_store_ops()
        ops.version = L.hcode_store_version()
        ops.put = L.store_put_t(self._guard(self._put))
        ops.query_subject = L.store_query_subject_t(self._guard(self._query_subject))
        ops.query_venue = L.store_query_venue_t(self._guard(self._query_venue))
        if store._offers("put_batch"):
            ops.put_batch = L.store_put_batch_t(self._guard(self._put_batch))
        if store._offers("purge_before"):
            ops.purge_before = L.store_purge_before_t(self._guard(self._purge_before))
        if store._offers("audit_append"):
            ops.audit_append = L.store_audit_append_t(self._guard(self._audit_append))
        if store._offers("audit_read"):
            ops.audit_read = L.store_audit_read_t(self._guard(self._audit_read))
        if store._offers("query_subjects"):
            ops.query_subjects = L.store_query_subjects_t(self._guard(self._query_subjects))
        if store._offers("presentation_consume"):
            ops.presentation_consume = L.store_presentation_consume_t(self._guard(self._presentation_consume))
        if store._offers("query_venues"):
            ops.query_venues = L.store_query_venues_t(self._guard(self._query_venues))
        ops.errmsg = L.store_errmsg_t(self._errmsg_cb)
        ops.close = L.store_close_t(self._close_cb)
        # the struct holds references to the function objects; keep both
        self.ops = ops
        self._keep.extend(getattr(ops, f) for f, _ in L.hcode_store_ops._fields_[1:])

    def _guard(self, fn):
        def call(_self, *args):
            try:
                rc = fn(*args)
                return 0 if rc is None else rc
            except BaseException as e:   # never let anything cross into C
                if self.pending is None:
                    self.pending = e
                msg = "%s: %s" % (type(e).__name__, e)
                self._errmsg = ctypes.create_string_buffer(msg.encode("utf-8", "replace")[:1024])
                if isinstance(e, HcodeError) and e.code is not None and e.code < 0 \
                        and not isinstance(e, VerdictError):
                    return e.code
                return CallbackError.code
        return call

    def _put(self, rec):
        self.store.put(CheckinRecord._from_c(rec.contents))
        return 0

    def _put_batch(self, recs, n):
        self.store.put_batch([CheckinRecord._from_c(recs[i]) for i in range(n)])
        return 0

    def _feed(self, records, cb, data):
        for r in records:
            if not isinstance(r, CheckinRecord):
                raise CallbackError("a Store query must yield CheckinRecord, not %s" % type(r).__name__)
            keep = []
            c = r._to_c(keep)
            rc = cb(ctypes.byref(c), data)
            if rc != 0:
                return rc
        return 0

    def _query_subject(self, subject, frm, to, cb, data):
        return self._feed(self.store.query_subject(_s(subject), frm, to), cb, data)

    def _query_venue(self, venue_id, frm, to, cb, data):
        return self._feed(self.store.query_venue(_s(venue_id), frm, to), cb, data)

    @staticmethod
    def _windows(keys, frm, to, n):
        return [(_s(keys[i]), frm[i], to[i]) for i in range(n)]

    def _query_subjects(self, subjects, frm, to, n, cb, data):
        return self._feed(self.store.query_subjects(self._windows(subjects, frm, to, n)), cb, data)

    def _query_venues(self, venues, frm, to, n, cb, data):
        return self._feed(self.store.query_venues(self._windows(venues, frm, to, n)), cb, data)

    def _presentation_consume(self, pid, until, at):
        fresh = self.store.presentation_consume(ctypes.string_at(pid, L.hcode_presentation_id_bytes()), until, at)
        return 0 if fresh else FileExists.code

    def _purge_before(self, before, removed):
        n = self.store.purge_before(before)
        if removed:
            removed[0] = int(n or 0)
        return 0

    def _audit_append(self, line):
        self.store.audit_append(_s(line))
        return 0

    def _audit_read(self, cb, data):
        for line in self.store.audit_read():
            rc = cb(_b(line), data)
            if rc != 0:
                return rc
        return 0

    def _errmsg_cb(self, _self):
        return ctypes.addressof(self._errmsg)

    def _close_cb(self, _self):
        self.closed = True

    def take_pending(self):
        e, self.pending = self.pending, None
        return e


# ---------------------------------------------------------------------------
# Policy


class Policy:
    """A venue policy (see <hcode/policy.h>): which statuses a gate admits,
    printed codes, maximum code age, default dwell."""

    def __init__(self, admit=None, printed=None, max_code_age=None, dwell=None):
        self.admit = admit
        self.printed = printed
        self.max_code_age = max_code_age
        self.dwell = dwell

    def _to_json(self):
        import json
        d = {}
        if self.admit is not None:
            d["admit"] = [str(Status(_status(s))) for s in self.admit]
        if self.printed is not None:
            d["printed"] = self.printed
        if self.max_code_age is not None:
            d["max_code_age"] = self.max_code_age
        if self.dwell is not None:
            d["dwell"] = self.dwell
        return json.dumps(d)


# ---------------------------------------------------------------------------
# The context


class Context:
    """The long-lived library context: trusted keys, policy, storage,
    audit key. Not thread-safe: use one per thread. Use as a context
    manager or call close()."""

    def __init__(self):
        h = ctypes.POINTER(L.hcode_ctx)()
        _check(L.hcode_ctx_new(ctypes.byref(h)))
        self._h = h
        self._binding = None     # _StoreBinding of a Python store, if any

    # -- lifetime --
    def close(self):
        if self._h:
            h, self._h = self._h, None
            L.hcode_ctx_free(h)      # frees the store: its close callback runs now
            self._binding = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _ctx(self):
        if not self._h:
            raise InvalidArgument("context is closed")
        return self._h

    def _raise(self, rc, prefix=""):
        """Raises for a failing call: a pending exception from a Python
        store callback first, else the library error with hcode_errmsg."""
        self._reraise_pending()
        detail = _s(L.hcode_errmsg(self._h)) if self._h else ""
        if prefix:
            detail = "%s: %s" % (prefix, detail) if detail else prefix
        raise _error_for(rc, detail)

    def _reraise_pending(self):
        b = self._binding
        if b is not None:
            e = b.take_pending()
            if e is not None:
                raise e

    def _call(self, rc, prefix=""):
        if rc != 0:
            self._raise(rc, prefix)
        # a callback may have failed and the library recovered: still report it
        self._reraise_pending()

    @property
    def errmsg(self):
        return _s(L.hcode_errmsg(self._ctx()))

    # -- settings --
    @property
    def skew(self):
        return L.hcode_ctx_skew(self._ctx())

    @skew.setter
    def skew(self, seconds):
        self._call(L.hcode_ctx_set_skew(self._ctx(), int(seconds)))

    @property
    def freshness(self):
        """Presentation window in seconds."""
        return L.hcode_ctx_freshness(self._ctx())

    @freshness.setter
    def freshness(self, seconds):
        self._call(L.hcode_ctx_set_freshness(self._ctx(), int(seconds)))

    def require_presentation(self, on=True):
        """Gate policy: holder-bound codes must be shown as presentations."""
        self._call(L.hcode_ctx_require_presentation(self._ctx(), 1 if on else 0))

    def set_policy(self, policy):
        """A Policy, a dict of the policy JSON members, a path to a policy
        file, or None for the default (green only)."""
        ctx = self._ctx()
        if policy is None:
            self._call(L.hcode_ctx_set_policy(ctx, None))
            return
        p = ctypes.POINTER(L.hcode_policy)()
        if isinstance(policy, (Policy, dict)):
            import json
            text = (policy._to_json() if isinstance(policy, Policy) else json.dumps(policy)).encode()
            self._call(L.hcode_policy_parse(ctx, text, len(text), ctypes.byref(p)), "policy")
        else:
            self._call(L.hcode_policy_load(ctx, _b(policy), ctypes.byref(p)), "policy")
        self._call(L.hcode_ctx_set_policy(ctx, p))

    # -- trust --
    def add_trust(self, source, root=None, at=None):
        """Trusts an issuer: a Keypair, 32 raw public-key bytes (with
        region via add_trust_key), a PREFIX.pub path, or a signed trust
        list file (then `root` is the root's Keypair, .pub path or key
        bytes)."""
        ctx = self._ctx()
        if isinstance(source, Keypair):
            self._call(L.hcode_trust_add_keypair(ctx, source._handle()))
            return
        if isinstance(source, (bytes, bytearray)):
            return self.add_trust_key(bytes(source))
        path = os.fspath(source)
        with open(path, "rb") as f:
            head = f.read(8)
        if head.startswith(b"HCTL1:") or root is not None:
            if root is None:
                raise InvalidArgument("%s is a trust list: give its root key (root=)" % path)
            pk = self._public_key_of(root)
            self._call(L.hcode_trustlist_load_file(ctx, _b(path), pk, _time(at)), path)
        else:
            self._call(L.hcode_trust_add_file(ctx, _b(path)), path)

    def add_trust_key(self, public_key, region=None):
        if len(public_key) != L.hcode_publickey_bytes():
            raise InvalidArgument("a public key is %d bytes" % L.hcode_publickey_bytes())
        self._call(L.hcode_trust_add_key(self._ctx(), bytes(public_key), _b(region)))

    def add_revocation(self, path, at=None):
        """Loads an issuer-signed revocation list file."""
        self._call(L.hcode_revocation_load_file(self._ctx(), _b(path), _time(at)), os.fspath(path))

    @property
    def trust_count(self):
        return L.hcode_trust_count(self._ctx())

    def _public_key_of(self, k):
        if isinstance(k, Keypair):
            return k.public_key
        if isinstance(k, (bytes, bytearray)) and len(k) == L.hcode_publickey_bytes():
            return bytes(k)
        buf = ctypes.create_string_buffer(L.hcode_publickey_bytes())
        self._call(L.hcode_public_key_load(self._ctx(), _b(k), buf), os.fspath(k))
        return buf.raw

    # -- codes --
    def issue(self, issuer, subject, status=None, ttl=None, at=None, name=None, flags=0, holder=None):
        """Signs a person's health code; returns the payload text."""
        if status is None:
            raise InvalidArgument("status is required")
        holder_pk = None if holder is None else self._public_key_of(holder)
        out = ctypes.c_void_p()
        self._call(L.hcode_issue_person(self._ctx(), issuer._handle(), _b(subject, "subject"), _status(status),
                                        _time(at), int(ttl or 0), _b(name), int(flags), holder_pk,
                                        ctypes.byref(out)))
        return _take_string(out)

    def venue(self, issuer, venue_id, name, at=None, region=None, category=None, ttl=None):
        """Signs a venue code; returns the payload text."""
        out = ctypes.c_void_p()
        self._call(L.hcode_issue_venue(self._ctx(), issuer._handle(), _b(venue_id, "venue_id"), _b(name, "name"),
                                       _b(region), _b(category), _time(at), int(ttl or 0), ctypes.byref(out)))
        return _take_string(out)

    def present(self, holder, credential, at=None):
        """A dynamic presentation of a holder-bound person code."""
        c = _b(credential, "credential")
        out = ctypes.c_void_p()
        self._call(L.hcode_present(self._ctx(), holder._handle(), c, len(c), _time(at), ctypes.byref(out)))
        return _take_string(out)

    def verify(self, code, at=None):
        """Verifies one payload offline; returns a Verdict (valid or not).
        Verdict.check() raises the matching VerdictError."""
        p = _b(code, "code")
        v = ctypes.POINTER(L.hcode_verdict)()
        self._call(L.hcode_verify(self._ctx(), p, len(p), _time(at), ctypes.byref(v)))
        try:
            return Verdict._from(v, payload=_s(p))
        finally:
            L.hcode_verdict_free(v)

    def consume(self, verdict_code, at=None):
        """Marks a valid presentation as used (replay protection)."""
        p = _b(verdict_code, "code")
        v = ctypes.POINTER(L.hcode_verdict)()
        self._call(L.hcode_verify(self._ctx(), p, len(p), _time(at), ctypes.byref(v)))
        try:
            self._call(L.hcode_presentation_consume(self._ctx(), v))
        finally:
            L.hcode_verdict_free(v)

    # -- images --
    def render(self, code, fmt="png", scale=0, ecc=None):
        """Renders a payload as a QR image: bytes of PNG, SVG or text."""
        f = L.hcode_qr_format_parse(_b(fmt, "fmt"))
        if f < 0:
            raise InvalidArgument("unknown image format %r (png, svg, txt)" % fmt)
        e = -1
        if ecc is not None:
            e = L.hcode_qr_ecc_parse(_b(ecc, "ecc"))
            if e < 0:
                raise InvalidArgument("unknown error-correction level %r (L, M, Q, H)" % ecc)
        p = _b(code, "code")
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        self._call(L.hcode_qr_render(self._ctx(), p, len(p), f, int(scale), e, ctypes.byref(out), ctypes.byref(n)))
        return _take_bytes(out, n.value)

    def render_gray(self, code, scale=0, ecc=None):
        """An 8-bit grey frame of the code: (pixels bytes, width)."""
        e = -1 if ecc is None else L.hcode_qr_ecc_parse(_b(ecc))
        p = _b(code, "code")
        out, w = ctypes.c_void_p(), ctypes.c_int()
        self._call(L.hcode_qr_render_gray(self._ctx(), p, len(p), int(scale), e, ctypes.byref(out), ctypes.byref(w)))
        return _take_bytes(out, w.value * w.value), w.value

    def scan(self, image, at=None):
        """Finds and verifies every QR code in an image: bytes of a PNG,
        JPEG or PGM file, or a path. Returns a list of Verdict (with
        .payload)."""
        ctx = self._ctx()
        r = ctypes.POINTER(L.hcode_scan_result)()
        if isinstance(image, (bytes, bytearray, memoryview)):
            data = bytes(image)
            self._call(L.hcode_qr_scan_image_bytes(ctx, data, len(data), _time(at), ctypes.byref(r)))
        else:
            self._call(L.hcode_qr_scan_file(ctx, _b(image, "image"), _time(at), ctypes.byref(r)),
                       os.fspath(image))
        return self._scan_results(r)

    def scan_gray(self, pixels, width, height, stride=None, at=None):
        """Scans one 8-bit grey camera frame (width*height bytes)."""
        stride = width if stride is None else stride
        data = bytes(pixels)
        if len(data) < stride * (height - 1) + width:
            raise InvalidArgument("frame buffer too small for %dx%d (stride %d)" % (width, height, stride))
        r = ctypes.POINTER(L.hcode_scan_result)()
        self._call(L.hcode_qr_scan_gray(self._ctx(), data, width, height, stride, _time(at), ctypes.byref(r)))
        return self._scan_results(r)

    @staticmethod
    def _scan_results(r):
        try:
            out = []
            for i in range(L.hcode_scan_result_count(r)):
                n = L.hcode_scan_result_payload_len(r, i)
                raw = ctypes.string_at(L.hcode_scan_result_payload(r, i), n)
                out.append(Verdict._from(L.hcode_scan_result_verdict(r, i),
                                         payload=raw.decode("utf-8", "replace")))
            return out
        finally:
            L.hcode_scan_result_free(r)

    # -- storage --
    def open_store(self, uri):
        """Opens a built-in backend by URI (SQLite path, ":memory:",
        postgresql://...) and gives it to the context."""
        self._call(L.hcode_ctx_open_store(self._ctx(), _b(uri, "uri")), os.fspath(uri))
        self._binding = None

    def set_store(self, store):
        """Plugs in a host-defined backend (an hcode.Store subclass)."""
        if not isinstance(store, Store):
            raise InvalidArgument("set_store needs an hcode.Store, not %s" % type(store).__name__)
        binding = _StoreBinding(store)
        st = ctypes.POINTER(L.hcode_store)()
        _check(L.hcode_store_new(ctypes.byref(st), ctypes.byref(binding.ops), None), "store registration")
        old = self._binding
        # the old C store (if any) is freed inside this call: its
        # callbacks must still be alive, so `old` is dropped only after
        self._binding = binding
        rc = L.hcode_ctx_set_store(self._ctx(), st)
        del old
        self._call(rc)

    def _query(self, fn, key, frm, to):
        st = L.hcode_ctx_store(self._ctx())
        if not st:
            raise InvalidArgument("no store: call open_store() or set_store() first")
        out = []

        def each(rec, _data):
            out.append(CheckinRecord._from_c(rec.contents))
            return 0
        cb = L.hcode_record_cb(each)
        rc = fn(st, _b(key), _time(frm, "frm"), _time(to, "to"), cb, None)
        if rc != 0:
            self._reraise_pending()
            raise _error_for(rc, _s(L.hcode_store_errmsg(st)))
        self._reraise_pending()
        return out

    def query_subject(self, subject, frm, to):
        """Stored records of one pseudonym with frm <= at < to."""
        return self._query(L.hcode_store_query_subject, subject, frm, to)

    def query_venue(self, venue_id, frm, to):
        """Stored records at one venue with frm <= at < to."""
        return self._query(L.hcode_store_query_venue, venue_id, frm, to)

    def checkin(self, venue, code, at=None, gate=None):
        """Checks a person in at a venue: verification, policy, durable
        record. Returns an Admission (admitted or not); raises when the
        record could not be stored (the gate must not open)."""
        a = ctypes.POINTER(L.hcode_admission)()
        self._call(L.hcode_checkin(self._ctx(), _b(code, "code"), _b(venue, "venue"), _b(gate),
                                   _time(at), ctypes.byref(a)))
        try:
            return Admission._from(a)
        finally:
            L.hcode_admission_free(a)

    def checkout(self, venue, code, at=None, gate=None):
        a = ctypes.POINTER(L.hcode_admission)()
        self._call(L.hcode_checkout(self._ctx(), _b(code, "code"), _b(venue, "venue"), _b(gate),
                                    _time(at), ctypes.byref(a)))
        try:
            return Admission._from(a)
        finally:
            L.hcode_admission_free(a)

    # -- tracing and audit --
    def set_audit_key(self, keypair, head_file=None):
        """The key that signs the audit log; traces need one."""
        self._call(L.hcode_ctx_set_audit_key(self._ctx(), keypair._handle()))
        if head_file is not None:
            self._call(L.hcode_ctx_set_audit_head_file(self._ctx(), _b(head_file)))

    def trace(self, pseudonym=None, frm=None, to=None, operator=None, purpose=None,
              venue_id=None, dwell=0, depth=1, min_overlap=0):
        """Reverse trace of a case (by pseudonym) or of a venue (venue_id)
        over [frm, to); audited. Returns a TraceResult: a list of Contact
        with .visits (the case's own visits)."""
        if frm is None or to is None:
            raise InvalidArgument("trace needs frm and to")
        if (pseudonym is None) == (venue_id is None):
            raise InvalidArgument("trace needs exactly one of pseudonym and venue_id")
        t = ctypes.POINTER(L.hcode_trace)()
        if pseudonym is not None:
            rc = L.hcode_trace_subject(self._ctx(), _b(pseudonym, "pseudonym"), _time(frm, "frm"), _time(to, "to"),
                                       int(dwell), int(depth), int(min_overlap), _b(operator, "operator"),
                                       _b(purpose, "purpose"), ctypes.byref(t))
        else:
            rc = L.hcode_trace_venue(self._ctx(), _b(venue_id, "venue_id"), _time(frm, "frm"), _time(to, "to"),
                                     int(dwell), int(min_overlap), _b(operator, "operator"),
                                     _b(purpose, "purpose"), ctypes.byref(t))
        self._call(rc)
        try:
            res = TraceResult(
                Contact(subject=_s(L.hcode_trace_contact_subject(t, i)),
                        venue_id=_s(L.hcode_trace_contact_venue(t, i)),
                        overlap_start=L.hcode_trace_contact_start(t, i),
                        overlap_seconds=L.hcode_trace_contact_seconds(t, i),
                        depth=L.hcode_trace_contact_depth(t, i))
                for i in range(L.hcode_trace_count(t)))
            res.visits = [Visit(venue_id=_s(L.hcode_trace_visit_venue(t, i)),
                                start=L.hcode_trace_visit_start(t, i),
                                end=L.hcode_trace_visit_end(t, i))
                          for i in range(L.hcode_trace_visit_count(t))]
            j, c = ctypes.c_void_p(), ctypes.c_void_p()
            _check(L.hcode_trace_to_jsonl(t, ctypes.byref(j)))
            res.jsonl = _take_string(j)
            _check(L.hcode_trace_to_csv(t, ctypes.byref(c)))
            res.csv = _take_string(c)
            return res
        finally:
            L.hcode_trace_free(t)

    def audit_verify(self, public_key=None):
        """Checks the store's audit log; returns an AuditReport."""
        pk = None if public_key is None else self._public_key_of(public_key)
        r = ctypes.POINTER(L.hcode_audit_report)()
        self._call(L.hcode_audit_verify(self._ctx(), pk, ctypes.byref(r)))
        try:
            return AuditReport(ok=bool(L.hcode_audit_report_ok(r)),
                               entries=L.hcode_audit_report_entries(r),
                               bad_entry=L.hcode_audit_report_bad_entry(r),
                               problem=_s(L.hcode_audit_report_problem(r)),
                               signed=bool(L.hcode_audit_report_signed(r)))
        finally:
            L.hcode_audit_report_free(r)

    def purge(self, before, operator, purpose):
        """Deletes check-ins older than `before` (audited); returns the count."""
        n = ctypes.c_uint64()
        self._call(L.hcode_purge(self._ctx(), _time(before, "before"), _b(operator, "operator"),
                                 _b(purpose, "purpose"), ctypes.byref(n)))
        return n.value
