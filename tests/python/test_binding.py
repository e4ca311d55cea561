#!/usr/bin/python3
"""Tests of the Python binding (bindings/python/hcode) against the
uninstalled library: HCODE_LIBRARY points at the built libhcode.so and
PYTHONPATH at bindings/python (both set by tests/meson.build)."""

import gc
import os
import stat
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("HCODE_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import hcode  # noqa: E402
from hcode import _lib  # noqa: E402

T = 1795392000          # 2026-11-23T00:00:00Z
H = 3600
ID_A = "370102199003077777"
ID_B = "370102199105054444"
ID_C = "37010219880808123X"


def exported_symbols(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWw" and parts[2].startswith("hcode_"):
            names.add(parts[2].split("@")[0])
    return names


class DictStore(hcode.Store):
    """A host-defined backend in plain Python: records in a dict by id,
    audit lines in a list."""

    def __init__(self):
        self.records = {}
        self.audit = []
        self.puts = 0

    def put(self, record):
        self.puts += 1
        self.records.setdefault(record.record_id, record)

    def query_subject(self, subject, frm, to):
        return [r for r in self.records.values() if r.subject == subject and frm <= r.at < to]

    def query_venue(self, venue_id, frm, to):
        return [r for r in self.records.values() if r.venue_id == venue_id and frm <= r.at < to]

    def audit_append(self, line):
        self.audit.append(line)

    def audit_read(self):
        return list(self.audit)


class BatchQueryStore(DictStore):
    """Also answers query_subjects/query_venues (store ops version 2)."""

    def __init__(self):
        super().__init__()
        self.calls = {"query_subjects": 0, "query_venues": 0}

    def query_subjects(self, windows):
        self.calls["query_subjects"] += 1
        return [r for s, f, t in windows for r in DictStore.query_subject(self, s, f, t)]

    def query_venues(self, windows):
        self.calls["query_venues"] += 1
        return [r for v, f, t in windows for r in DictStore.query_venue(self, v, f, t)]


class FailingStore(DictStore):
    def __init__(self, fail_in="put", exc=None):
        super().__init__()
        self.fail_in = fail_in
        self.exc = exc or RuntimeError("disk on fire")

    def put(self, record):
        if self.fail_in == "put":
            raise self.exc
        super().put(record)

    def query_venue(self, venue_id, frm, to):
        if self.fail_in == "query_venue":
            raise self.exc
        return super().query_venue(venue_id, frm, to)


class ClosingStore(DictStore):
    """Only put/query: no audit methods offered to the library."""
    audit_append = None
    audit_read = None


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.ctx = hcode.Context()
        self.issuer = hcode.Keypair.generate(region="CN-370100")
        self.ctx.add_trust(self.issuer)

    def tearDown(self):
        self.ctx.close()
        self.issuer.close()
        self.tmp.cleanup()

    def person(self, ident=ID_A, status=hcode.Status.GREEN, at=T, **kw):
        return self.ctx.issue(self.issuer, subject=ident, status=status, ttl=86400, at=at, **kw)

    def place(self, vid="370102-000123", name="Quancheng Plaza"):
        return self.ctx.venue(self.issuer, venue_id=vid, name=name, at=T)


class TestLowLevel(unittest.TestCase):
    def test_every_exported_function_is_bound(self):
        exported = exported_symbols(os.environ["HCODE_LIBRARY"])
        self.assertGreater(len(exported), 100)
        self.assertEqual(sorted(exported - set(_lib.bound)), [], "exported but not bound")
        self.assertEqual(sorted(set(_lib.bound) - exported), [], "bound but not exported")
        self.assertEqual(len(_lib.bound), len(set(_lib.bound)))
        for name in _lib.bound:
            f = getattr(_lib, name)
            self.assertIsNotNone(f.argtypes, name)

    def test_sizes_come_from_the_library(self):
        import ctypes
        self.assertEqual(ctypes.sizeof(_lib.hcode_store_ops), _lib.hcode_store_ops_size())
        self.assertEqual(ctypes.sizeof(_lib.hcode_record), _lib.hcode_record_size())
        self.assertEqual(ctypes.sizeof(_lib.hcode_trust_entry), _lib.hcode_trust_entry_size())

    def test_error_and_status_tables(self):
        self.assertEqual([s.name for s in hcode.Status], ["GREEN", "YELLOW", "RED"])
        self.assertEqual(str(hcode.Status.RED), "red")
        for cls in (hcode.InvalidArgument, hcode.StorageError, hcode.CallbackError, hcode.TrustError,
                    hcode.FileExists, hcode.SecretFilePermissions, hcode.ImageError):
            self.assertTrue(issubclass(cls, hcode.HcodeError))
            self.assertLess(cls.code, 0)
            self.assertEqual(_lib.hcode_error_name(cls.code).decode(), cls.name)
        for cls in (hcode.BadSignature, hcode.Expired, hcode.Stale, hcode.Revoked, hcode.UnknownIssuer):
            self.assertTrue(issubclass(cls, hcode.VerdictError))
            self.assertEqual(_lib.hcode_verdict_name(cls.code).decode(), cls.name)
        self.assertEqual(hcode.RECORD_KINDS.keys(), {"in", "out"})


class TestKeysAndCodes(Base):
    def test_keypair_save_load(self):
        prefix = os.path.join(self.dir, "jinan")
        self.issuer.save(prefix)
        self.assertEqual(stat.S_IMODE(os.stat(prefix + ".key").st_mode), 0o600)
        with self.assertRaises(hcode.FileExists):
            self.issuer.save(prefix)
        with hcode.Keypair.load(prefix + ".key") as k:
            self.assertEqual(k.kid, self.issuer.kid)
            self.assertEqual(k.public_key, self.issuer.public_key)
            self.assertEqual(k.region, "CN-370100")
        self.assertEqual(len(self.issuer.public_key), _lib.hcode_publickey_bytes())
        os.chmod(prefix + ".key", 0o644)
        with self.assertRaises(hcode.SecretFilePermissions):
            hcode.Keypair.load(prefix + ".key")
        with self.assertRaises(hcode.FileError):
            hcode.Keypair.load(os.path.join(self.dir, "missing.key"))

    def test_issue_verify(self):
        code = self.person()
        self.assertTrue(code.startswith("HCP1:"))
        self.assertNotIn(ID_A, code)
        v = self.ctx.verify(code, at=T + 60)
        self.assertTrue(v.valid)
        self.assertIs(v.check(), v)
        self.assertEqual(v.kind, "person")
        self.assertEqual(v.status, hcode.Status.GREEN)
        self.assertEqual(v.subject, self.issuer.pseudonym(ID_A))
        self.assertEqual(v.issuer, self.issuer.kid)
        self.assertEqual((v.iat, v.exp), (T, T + 86400))
        self.assertIsNone(v.error)
        venue = self.place()
        vv = self.ctx.verify(venue, at=T + 60)
        self.assertEqual((vv.kind, vv.venue_id, vv.venue_name), ("venue", "370102-000123", "Quancheng Plaza"))

    def test_verdict_errors(self):
        code = self.person()
        i = 40
        tampered = code[:i] + ("A" if code[i] != "A" else "B") + code[i + 1:]
        v = self.ctx.verify(tampered, at=T + 60)
        self.assertFalse(v.valid)
        self.assertIn(v.error, ("bad_signature", "malformed"))
        with self.assertRaises(hcode.VerdictError) as cm:
            v.check()
        self.assertIs(cm.exception.verdict, v)
        # a signature over other bytes: flip a character late in the payload
        sig_tampered = code[:-3] + ("0" if code[-3] != "0" else "1") + code[-2:]
        with self.assertRaises((hcode.BadSignature, hcode.Malformed)):
            self.ctx.verify(sig_tampered, at=T + 60).check()
        with self.assertRaises(hcode.Expired):
            self.ctx.verify(code, at=T + 2 * 86400).check()
        with self.assertRaises(hcode.NotYetValid):
            self.ctx.verify(code, at=T - 3600).check()
        with hcode.Context() as other:
            with self.assertRaises(hcode.UnknownIssuer):
                other.verify(code, at=T + 60).check()

    def test_trust_from_pub_file(self):
        prefix = os.path.join(self.dir, "iss")
        self.issuer.save(prefix)
        code = self.person()
        with hcode.Context() as c:
            c.add_trust(prefix + ".pub")
            self.assertEqual(c.trust_count, 1)
            self.assertTrue(c.verify(code, at=T + 1).valid)
            with self.assertRaises(hcode.HcodeError):
                c.add_trust(prefix + ".key")

    def test_bad_arguments_are_hcode_errors(self):
        with self.assertRaises(hcode.InvalidArgument):
            self.person(status="purple")
        with self.assertRaises(hcode.InvalidArgument):
            self.ctx.render("HCP1:x", fmt="gif")
        with self.assertRaises(hcode.InvalidArgument):
            hcode.Keypair.generate(region="X" * 200)
        with self.assertRaises(hcode.InvalidArgument):
            self.ctx.trace(pseudonym="00" * 16, frm=T, to=T + 1, operator="o", purpose="p", venue_id="v")

    def test_stale_presentation(self):
        holder = hcode.Keypair.generate(region="CN-370100")
        cred = self.person(holder=holder)
        self.ctx.require_presentation(True)
        bare = self.ctx.verify(cred, at=T + 10)
        self.assertEqual(bare.error, "holder_binding_required")
        shown = self.ctx.present(holder, cred, at=T + 100)
        self.assertTrue(shown.startswith("HCD1:"))
        fresh = self.ctx.verify(shown, at=T + 105)
        self.assertTrue(fresh.valid, fresh.message)
        self.assertEqual(fresh.kind, "presentation")
        self.assertEqual(fresh.presented_at, T + 100)
        self.assertEqual(self.ctx.freshness, 60)
        with self.assertRaises(hcode.Stale):
            self.ctx.verify(shown, at=T + 100 + 600).check()


class TestImages(Base):
    def test_render_scan_roundtrip(self):
        code = self.person()
        png = self.ctx.render(code, fmt="png", scale=4)
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"))
        svg = self.ctx.render(code, fmt="svg")
        self.assertIn(b"<svg", svg)
        txt = self.ctx.render(code, fmt="txt")
        self.assertGreater(len(txt.splitlines()), 10)
        found = self.ctx.scan(png, at=T + 60)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0].payload, code)
        self.assertTrue(found[0].valid)
        path = os.path.join(self.dir, "a.png")
        with open(path, "wb") as f:
            f.write(png)
        self.assertEqual(self.ctx.scan(path, at=T + 60)[0].subject, self.issuer.pseudonym(ID_A))
        pixels, w = self.ctx.render_gray(code, scale=3)
        self.assertEqual(len(pixels), w * w)
        self.assertEqual(self.ctx.scan_gray(pixels, w, w, at=T + 60)[0].payload, code)

    def test_scan_errors(self):
        with self.assertRaises(hcode.ImageError):
            self.ctx.scan(b"\x89PNG\r\n\x1a\n not really a png")
        with self.assertRaises(hcode.FileError):
            self.ctx.scan(os.path.join(self.dir, "missing.png"))
        self.assertEqual(self.ctx.scan_gray(b"\xff" * 64 * 64, 64, 64), [])


class StoreScenario:
    """Three people at one venue; A is the case. Used on SQLite and on a
    Python store: both must give the same trace."""

    def scenario(self):
        self.ctx.set_audit_key(self.issuer)
        venue = self.place()
        a, b, c = self.person(ID_A), self.person(ID_B), self.person(ID_C)
        self.assertTrue(self.ctx.checkin(venue, a, at=T + 1 * H).admitted)
        self.assertTrue(self.ctx.checkin(venue, b, at=T + 1 * H + 600).admitted)
        out = self.ctx.checkout(venue, b, at=T + 1 * H + 1200)
        self.assertEqual(out.reason, "checked_out")
        self.assertTrue(self.ctx.checkin(venue, c, at=T + 5 * H).admitted)   # after A left
        red = self.ctx.issue(self.issuer, subject="370102200001010000", status="red", at=T)
        denied = self.ctx.checkin(venue, red, at=T + 1 * H)
        self.assertFalse(denied.admitted)
        self.assertEqual(denied.reason, "status_not_admitted")
        with self.assertRaises(hcode.DeniedEntry):
            denied.check()
        res = self.ctx.trace(pseudonym=self.issuer.pseudonym(ID_A), frm=T, to=T + 86400,
                             operator="officer 7", purpose="case 1")
        self.assertEqual(len(res), 1)
        self.assertEqual(res[0], hcode.Contact(subject=self.issuer.pseudonym(ID_B), venue_id="370102-000123",
                                               overlap_start=T + H + 600, overlap_seconds=600, depth=1))
        self.assertEqual(res.visits, [hcode.Visit("370102-000123", T + H, T + 2 * H)])
        self.assertIn('"overlap_seconds":600', res.jsonl)
        rep = self.ctx.audit_verify(self.issuer)
        self.assertTrue(rep.ok and rep.signed)
        self.assertEqual(rep.entries, 1)
        return res


class TestSqliteStore(Base, StoreScenario):
    def test_sqlite(self):
        self.ctx.open_store(os.path.join(self.dir, "checkins.db"))
        self.scenario()

    def test_trace_needs_audit_key(self):
        self.ctx.open_store(":memory:")
        with self.assertRaises(hcode.AuditError):
            self.ctx.trace(pseudonym="00" * 16, frm=T, to=T + 1, operator="o", purpose="p")


class TestPythonStore(Base, StoreScenario):
    def test_python_store_same_answer(self):
        st = DictStore()
        self.ctx.set_store(st)
        res = self.scenario()
        self.assertEqual(len(st.records), 4)          # 3 check-ins, 1 check-out; the red one not stored
        self.assertEqual({r.kind for r in st.records.values()}, {"in", "out"})
        self.assertEqual(len(st.audit), 1)
        self.assertIn('"purpose":"case 1"', st.audit[0])
        self.assertEqual(res[0].depth, 1)

    def test_python_store_with_batched_queries(self):
        st = BatchQueryStore()
        self.ctx.set_store(st)
        self.ctx.set_audit_key(self.issuer)
        v1, v2 = self.place(), self.place("370102-000456", "Cafe")
        a, b, c = self.person(ID_A), self.person(ID_B), self.person(ID_C)
        for venue, code, at in [(v1, a, T + H), (v1, b, T + H + 600), (v2, a, T + 3 * H), (v2, c, T + 3 * H + 900)]:
            self.assertTrue(self.ctx.checkin(venue, code, at=at).admitted)
        res = self.ctx.trace(pseudonym=self.issuer.pseudonym(ID_A), frm=T, to=T + 86400,
                             operator="o", purpose="p")
        self.assertEqual(sorted((x.subject, x.venue_id, x.overlap_seconds) for x in res),
                         sorted([(self.issuer.pseudonym(ID_B), "370102-000123", 3000),
                                 (self.issuer.pseudonym(ID_C), "370102-000456", 2700)]))
        self.assertEqual(st.calls, {"query_subjects": 1, "query_venues": 1})

    def test_shared_replay_cache(self):
        class Replays(DictStore):
            def __init__(self):
                super().__init__()
                self.held = {}

            def presentation_consume(self, pid, until, at):
                if self.held.get(pid, at - 1) >= at:
                    return False
                self.held[pid] = until
                return True

        st = Replays()
        holder = hcode.Keypair.generate(region="CN-370100")
        shown = self.ctx.present(holder, self.person(holder=holder), at=T + H)
        venue = self.place()
        self.ctx.set_store(st)
        self.assertTrue(self.ctx.checkin(venue, shown, at=T + H + 5).admitted)
        self.assertEqual(len(st.held), 1)
        self.assertEqual(len(next(iter(st.held))), _lib.hcode_presentation_id_bytes())
        with hcode.Context() as other:           # another gate process, same store
            other.add_trust(self.issuer)
            other.set_store(st)
            again = other.checkin(venue, shown, at=T + H + 10)
            self.assertFalse(again.admitted)
            self.assertEqual(again.reason, "replayed")

    def test_exception_in_put_is_reraised_not_a_crash(self):
        st = FailingStore("put")
        self.ctx.set_store(st)
        with self.assertRaises(RuntimeError) as cm:
            self.ctx.checkin(self.place(), self.person(), at=T + H)
        self.assertEqual(str(cm.exception), "disk on fire")
        self.assertEqual(st.records, {})
        # the context stays usable, and the next call reports nothing stale
        st.fail_in = None
        self.assertTrue(self.ctx.checkin(self.place(), self.person(), at=T + H).admitted)
        self.assertEqual(len(st.records), 1)

    def test_exception_in_query_during_trace(self):
        st = FailingStore("query_venue", exc=KeyError("index gone"))
        self.ctx.set_store(st)
        self.ctx.set_audit_key(self.issuer)
        self.assertTrue(self.ctx.checkin(self.place(), self.person(), at=T + H).admitted)
        with self.assertRaises(KeyError):
            self.ctx.trace(pseudonym=self.issuer.pseudonym(ID_A), frm=T, to=T + 86400,
                           operator="o", purpose="p")

    def test_hcode_error_in_callback_keeps_its_code(self):
        import ctypes
        st = FailingStore("put", exc=hcode.StorageError("replica down"))
        binding = hcode._StoreBinding(st)
        cst = ctypes.POINTER(_lib.hcode_store)()
        self.assertEqual(_lib.hcode_store_new(ctypes.byref(cst), ctypes.byref(binding.ops), None), 0)
        keep = []
        rec = hcode.CheckinRecord(subject="ab" * 16, venue_id="v1", at=T, record_id="cd" * 16)._to_c(keep)
        self.assertEqual(_lib.hcode_store_put(cst, ctypes.byref(rec)), hcode.StorageError.code)
        self.assertIn("replica down", _lib.hcode_store_errmsg(cst).decode())
        self.assertIsInstance(binding.take_pending(), hcode.StorageError)
        _lib.hcode_store_free(cst)
        self.assertTrue(binding.closed)
        # through the Context: the same exception object comes back
        self.ctx.set_store(st)
        with self.assertRaises(hcode.StorageError):
            self.ctx.checkin(self.place(), self.person(), at=T + H)

    def test_query_yielding_garbage(self):
        class Bad(DictStore):
            def query_venue(self, venue_id, frm, to):
                return [42]
        self.ctx.set_store(Bad())
        self.ctx.set_audit_key(self.issuer)
        with self.assertRaises(hcode.CallbackError):
            self.ctx.trace(venue_id="370102-000123", frm=T, to=T + 1, operator="o", purpose="p")

    def test_callbacks_outlive_the_python_reference(self):
        class Tracked(DictStore):
            pass

        st = Tracked()
        self.ctx.set_store(st)
        binding = self.ctx._binding
        del st
        gc.collect()
        self.assertTrue(self.ctx.checkin(self.place(), self.person(), at=T + H).admitted)
        # replacing the store closes the old one (its callbacks still alive then)
        self.ctx.set_store(DictStore())
        self.assertTrue(binding.closed)
        self.assertTrue(self.ctx.checkin(self.place(), self.person(), at=T + H).admitted)

    def test_store_without_audit_refuses_trace(self):
        self.ctx.set_store(ClosingStore())
        self.ctx.set_audit_key(self.issuer)
        with self.assertRaises(hcode.AuditError):
            self.ctx.trace(venue_id="v", frm=T, to=T + 1, operator="o", purpose="p")
        with self.assertRaises(hcode.Unsupported):
            self.ctx.audit_verify()

    def test_set_store_type_checked(self):
        with self.assertRaises(hcode.InvalidArgument):
            self.ctx.set_store(object())


if __name__ == "__main__":
    unittest.main(verbosity=2)
