#!/usr/bin/python3
"""The HTML trace report (examples/trace_report.py) built from a real
SQLite store and loaded in headless Chromium: the page must run its
script to the end (it then sets document.title to "ok"), draw the
timelines and table, and render to a non-trivial PNG. Usage:
test_report.py CHROMIUM (HCODE_LIBRARY, HCODE_SOURCE_ROOT from the env)."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ["HCODE_SOURCE_ROOT"]
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
import hcode  # noqa: E402

CHROMIUM = sys.argv.pop(1) if len(sys.argv) > 1 else "chromium"
T = 1795392000
H = 3600
IDS = ["370102199003077777", "370102199105054444", "37010219880808123X", "370102197707071234"]


def chromium(args, profile):
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile]
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120, env=env)


class TestReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = cls.tmp.name
        db = os.path.join(d, "checkins.db")
        with hcode.Context() as ctx, hcode.Keypair.generate(region="CN-370100") as iss:
            iss.save(os.path.join(d, "iss"))
            ctx.add_trust(iss)
            ctx.open_store(db)
            plaza = ctx.venue(iss, venue_id="370102-000123", name="Plaza <b>&", at=T)
            cafe = ctx.venue(iss, venue_id="370102-000456", name="Cafe", at=T)
            c = [ctx.issue(iss, subject=i, status="green", at=T) for i in IDS]
            for venue, code, at in [(plaza, c[0], T + 10 * H), (plaza, c[1], T + 10 * H + 1200),
                                    (cafe, c[0], T + 12 * H), (cafe, c[2], T + 11 * H + 1800),
                                    (cafe, c[3], T + 15 * H)]:
                assert ctx.checkin(venue, code, at=at).admitted
            ctx.checkout(plaza, c[0], at=T + 11 * H)
            ctx.checkout(cafe, c[2], at=T + 12 * H + 1200)
            cls.case = iss.pseudonym(IDS[0])
            cls.contacts = {iss.pseudonym(i) for i in IDS[1:3]}
        cls.html = os.path.join(d, "report.html")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "trace_report.py"), "--db", db,
                            "--subject", IDS[0], "--key", os.path.join(d, "iss.key"),
                            "--from", "2026-11-23T00:00:00Z", "--to", str(T + 86400),
                            "--operator", "officer <7>", "--purpose", "case 2026-118 </script>",
                            "--out", cls.html], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(cls.html, encoding="utf-8") as f:
            cls.text = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_self_contained_and_pseudonymous(self):
        self.assertNotRegex(self.text, r'(?i)(src|href)\s*=\s*["\']?(https?:|//)')
        self.assertNotRegex(self.text, r"(?i)@import|url\(")
        for i in IDS:
            self.assertNotIn(i, self.text)
        self.assertIn(self.case, self.text)
        for c in self.contacts:
            self.assertIn(c, self.text)
        # operator text cannot close the data script
        self.assertEqual(self.text.count("</script>"), 2)

    def test_renders_in_chromium(self):
        prof = os.path.join(self.dir, "profile-dom")
        r = chromium(["--virtual-time-budget=5000", "--dump-dom", "file://" + self.html], prof)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        dom = r.stdout
        self.assertIn("<title>ok</title>", dom, "the page's script did not run to the end")
        self.assertEqual(len(re.findall(r'class="row contact-row"', dom)), 2)
        self.assertEqual(len(re.findall(r'class="bar case"', dom)), 2)      # one visit per venue
        self.assertGreaterEqual(len(re.findall(r'class="bar overlap"', dom)), 2)
        self.assertIn("officer &lt;7&gt;", dom)
        rows = re.findall(r'<tr><td class="pseudo">([0-9a-f]{32})</td>', dom)
        self.assertEqual(set(rows), self.contacts)
        mins = [float(m) for m in re.findall(r'<td class="num">([0-9.]+)</td><td class="num">1</td>', dom)]
        self.assertEqual(mins, sorted(mins, reverse=True), "table not sorted by overlap, longest first")
        self.assertEqual(mins, [40.0, 20.0])

    def test_screenshot(self):
        png = os.environ.get("HCODE_REPORT_PNG") or os.path.join(self.dir, "report.png")
        prof = os.path.join(self.dir, "profile-shot")
        r = chromium(["--virtual-time-budget=5000", "--window-size=1200,900", "--screenshot=" + png,
                      "file://" + self.html], prof)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertTrue(os.path.exists(png))
        with open(png, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertGreater(len(data), 20000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
