#!/usr/bin/python3
"""custom_store.py: a host's own storage backend in Python.

Check-ins go to an append-only JSON-lines log (flushed and fsync'd before
put returns), audit lines to a second file. The backend is an hcode.Store
subclass plugged into the library's storage callback; three people check
in at a venue and the case is traced.

    custom_store.py DIR      writes DIR/checkins.jsonl and DIR/audit.log
"""

import json
import os
import sys

import hcode

T0 = 1795392000      # 2026-11-23T00:00:00Z


class LogStore(hcode.Store):
    def __init__(self, directory):
        self.path = os.path.join(directory, "checkins.jsonl")
        self.audit_path = os.path.join(directory, "audit.log")

    def _append(self, path, line):
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _records(self):
        if not os.path.exists(self.path):
            return
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                d["status"] = hcode.Status(d["status"])
                yield hcode.CheckinRecord(**d)

    def put(self, record):
        if any(r.record_id == record.record_id for r in self._records()):
            return                                   # stored once, whatever the retries
        d = dict(vars(record), status=int(record.status))
        self._append(self.path, json.dumps(d, sort_keys=True))

    def query_subject(self, subject, frm, to):
        return [r for r in self._records() if r.subject == subject and frm <= r.at < to]

    def query_venue(self, venue_id, frm, to):
        return [r for r in self._records() if r.venue_id == venue_id and frm <= r.at < to]

    def audit_append(self, line):
        self._append(self.audit_path, line)

    def audit_read(self):
        if not os.path.exists(self.audit_path):
            return []
        with open(self.audit_path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]


def main(argv):
    if len(argv) != 2:
        print("usage: custom_store.py DIR", file=sys.stderr)
        return 2
    ids = ["370102199003077777", "370102199105054444", "37010219880808123X"]
    with hcode.Context() as ctx, hcode.Keypair.generate(region="CN-370100") as issuer:
        ctx.set_store(LogStore(argv[1]))
        ctx.add_trust(issuer)
        ctx.set_audit_key(issuer)
        venue = ctx.venue(issuer, venue_id="370102-000123", name="Quancheng Plaza", at=T0)
        codes = [ctx.issue(issuer, subject=i, status=hcode.Status.GREEN, at=T0) for i in ids]
        times = [T0 + 10 * 3600, T0 + 10 * 3600 + 1800, T0 + 13 * 3600]
        for code, t in zip(codes, times):
            a = ctx.checkin(venue, code, at=t, gate="east")
            print("check-in %s… %s" % (a.subject[:8], a.reason))
        ctx.checkout(venue, codes[1], at=times[1] + 900, gate="east")
        case = issuer.pseudonym(ids[0])
        contacts = ctx.trace(pseudonym=case, frm=T0, to=T0 + 86400, operator="officer 7", purpose="case 2026-118")
        print("trace of %s…: %d contact(s)" % (case[:8], len(contacts)))
        for c in contacts:
            print("contact %s… at %s: %d s from %d" % (c.subject[:8], c.venue_id, c.overlap_seconds, c.overlap_start))
        rep = ctx.audit_verify(issuer)
        print("audit log: %s, %d entr%s" % ("intact" if rep.ok else rep.problem, rep.entries,
                                            "y" if rep.entries == 1 else "ies"))
        return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
