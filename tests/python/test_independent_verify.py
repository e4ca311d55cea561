#!/usr/bin/env python3
"""Verifies libhcode codes from docs/FORMAT.md alone: cbor2 + PyNaCl, no
libhcode code. Codes are made by the `hcode` CLI ($HCODE_BIN)."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

import cbor2
import nacl.exceptions
import nacl.signing

HCODE = os.environ.get("HCODE_BIN")
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
T = 1795356000


def b45decode(s):
    out = bytearray()
    for i in range(0, len(s), 3):
        chunk = s[i:i + 3]
        if len(chunk) == 1:
            raise ValueError("bad length")
        v = sum(B45.index(c) * 45 ** k for k, c in enumerate(chunk))
        n = 2 if len(chunk) == 3 else 1
        if v >= 256 ** n:
            raise ValueError("out of range")
        out += v.to_bytes(n, "big")
    return bytes(out)


def bstr_head(n):
    if n < 24:
        return bytes([0x40 | n])
    if n < 256:
        return bytes([0x58, n])
    return bytes([0x59]) + n.to_bytes(2, "big")


class Verifier:
    """A third party's verifier, written from docs/FORMAT.md."""

    def __init__(self, pub_files):
        self.keys = []
        for path in pub_files:
            with open(path) as f:
                d = json.load(f)
            pk = bytes.fromhex(d["public_key"])
            kid = hashlib.sha256(pk).digest()[:8]
            assert d["kid"] == kid.hex()
            self.keys.append((kid, pk, d["region"]))

    def verify(self, text, now):
        prefixes = {"HCP1:": 1, "HCV1:": 2}
        kind = prefixes.get(text[:5])
        if kind is None:
            return "malformed", None
        try:
            raw = b45decode(text[5:])
            obj = cbor2.loads(raw)
        except Exception:
            return "malformed", None
        if not isinstance(obj, cbor2.CBORTag) or obj.tag != 18 or len(obj.value) != 4:
            return "malformed", None
        protected, _unprotected, payload, sig = obj.value
        hdr = cbor2.loads(protected)
        if hdr.get(1) != -8 or 4 not in hdr:
            return "malformed", None
        kid = hdr[4]
        tbs = (b"\x84\x6aSignature1" + bstr_head(len(protected)) + protected + b"\x40"
               + bstr_head(len(payload)) + payload)
        matching = [k for k in self.keys if k[0] == kid]
        if not matching:
            return "unknown_issuer", None
        key = None
        for _kid, pk, region in matching:
            try:
                nacl.signing.VerifyKey(pk).verify(tbs, sig)
                key = (pk, region)
                break
            except nacl.exceptions.BadSignatureError:
                continue
        if key is None:
            return "bad_signature", None
        claims = cbor2.loads(payload)
        if claims.get(-1) != kind or claims.get(1) != key[1]:
            return "malformed", None
        skew = 30
        if claims[6] > now + skew:
            return "not_yet_valid", claims
        if now > claims[4] + skew:
            return "expired", claims
        return "valid", claims


def run(*args):
    return subprocess.run([HCODE, *args], check=True, capture_output=True, text=True).stdout.strip()


class IndependentVerify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.prefix = os.path.join(cls.dir, "iss")
        run("keygen", "--out", cls.prefix, "--region", "CN-370100")
        cls.other = os.path.join(cls.dir, "other")
        run("keygen", "--out", cls.other, "--region", "CN-110000")
        cls.v = Verifier([cls.prefix + ".pub"])

    def issue(self, status="green", *extra):
        return run("issue", "--key", self.prefix + ".key", "--subject", "370102199003077777",
                   "--status", status, "--at", str(T), *extra)

    def test_person_code(self):
        verdict, claims = self.v.verify(self.issue("yellow", "--name", "张*三"), T + 60)
        self.assertEqual(verdict, "valid")
        self.assertEqual(claims[-2], 1)
        self.assertEqual(claims[-5], "张*三")
        self.assertEqual(len(claims[-3]), 16)
        self.assertEqual(len(claims[7]), 8)
        self.assertEqual(claims[4] - claims[6], 86400)

    def test_pseudonym_matches_the_documented_derivation(self):
        with open(self.prefix + ".key") as f:
            seed = bytes.fromhex([l.split()[1] for l in f if l.startswith("seed ")][0])
        pkey = hashlib.blake2b(b"hcode/pseudonym/v1", key=seed, digest_size=32).digest()
        want = hashlib.blake2b(b"370102199003077777", key=pkey, digest_size=16).digest()
        _, claims = self.v.verify(self.issue(), T)
        self.assertEqual(claims[-3], want)

    def test_venue_code(self):
        p = run("venue", "--key", self.prefix + ".key", "--venue-id", "370102-000123",
                "--name", "Quancheng Plaza", "--category", "mall", "--at", str(T))
        verdict, claims = self.v.verify(p, T)
        self.assertEqual(verdict, "valid")
        self.assertEqual(claims[-7], "370102-000123")
        self.assertEqual(claims[-8], "Quancheng Plaza")
        self.assertEqual(claims[-10], "mall")

    def test_times(self):
        p = self.issue()
        self.assertEqual(self.v.verify(p, T + 86400 + 31)[0], "expired")
        self.assertEqual(self.v.verify(p, T - 31)[0], "not_yet_valid")

    def test_tampered_and_foreign(self):
        p = self.issue()
        raw = bytearray(b45decode(p[5:]))
        raw[40] ^= 1
        enc = []
        for i in range(0, len(raw) - 1, 2):
            v = raw[i] * 256 + raw[i + 1]
            enc += [B45[v % 45], B45[(v // 45) % 45], B45[v // 2025]]
        if len(raw) % 2:
            enc += [B45[raw[-1] % 45], B45[raw[-1] // 45]]
        self.assertIn(self.v.verify("HCP1:" + "".join(enc), T)[0], ("bad_signature", "malformed"))
        foreign = run("issue", "--key", self.other + ".key", "--subject", "x", "--status", "green",
                      "--at", str(T))
        self.assertEqual(self.v.verify(foreign, T)[0], "unknown_issuer")

    def test_agrees_with_hcode_verify(self):
        codes = [self.issue(s) for s in ("green", "yellow", "red")]
        out = subprocess.run([HCODE, "verify", "--trust", self.prefix + ".pub", "--json",
                              "--at", str(T + 100), *codes], capture_output=True, text=True)
        rows = [json.loads(l) for l in out.stdout.splitlines()]
        for code, row in zip(codes, rows):
            verdict, claims = self.v.verify(code, T + 100)
            self.assertEqual(verdict, "valid")
            self.assertTrue(row["valid"])
            self.assertEqual(row["subject"], claims[-3].hex())
            self.assertEqual(row["code_id"], claims[7].hex())
            self.assertEqual(row["exp"], claims[4])


if __name__ == "__main__":
    if not HCODE:
        sys.exit("HCODE_BIN must point to the hcode binary")
    unittest.main(verbosity=2)
