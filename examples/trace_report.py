#!/usr/bin/python3
"""trace_report.py: a reverse trace as one self-contained HTML report.

Runs an audited trace of a case (hcode.Context.trace, exactly what
`hcode trace` runs) and writes one HTML file for health workers: the
operator and purpose at the top, the case's visits on a timeline per
venue with each contact's presence as a bar beside the case's and the
overlap highlighted, and a sortable contact table. Pseudonyms only; no
network, no external scripts or styles.

    trace_report.py --db DB (--pseudonym HEX | --subject ID --key PREFIX.key)
                    --from T --to T --operator NAME --purpose TEXT
                    [--dwell D] [--depth 1|2] [--audit-key FILE] --out REPORT.html

T: ISO 8601 UTC (2026-11-22T14:00:00Z) or Unix seconds. D: 90s, 15m, 2h,
7d or seconds. --audit-key: the audit log's secret key (default for a
SQLite DB: DB.audit.key, as `hcode trace`; created when missing).
"""

import argparse
import datetime as dt
import json
import os
import sys

import hcode


def parse_time(s):
    if s.isdigit():
        return int(s)
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def parse_duration(s):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if s and s[-1] in units:
        return int(s[:-1]) * units[s[-1]]
    return int(s)


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def presence(ctx, subject, venue_id, frm, to, dwell):
    """The subject's presence intervals at the venue, by the tracing rules:
    from a check-in to the earliest of the next check-out there, the next
    check-in anywhere, and check-in + dwell."""
    recs = sorted(ctx.query_subject(subject, frm - dwell, to + dwell), key=lambda r: r.at)
    out = []
    for i, r in enumerate(recs):
        if r.kind != "in" or r.venue_id != venue_id:
            continue
        end = r.at + dwell
        for n in recs[i + 1:]:
            if n.at <= r.at:
                continue
            if (n.kind == "out" and n.venue_id == venue_id) or n.kind == "in":
                end = min(end, n.at)
                break
        if end > frm and r.at < to:
            out.append([max(r.at, frm), min(end, to)])
    return out


def report_data(ctx, res, case, frm, to, dwell, operator, purpose, audit):
    venues = {}
    for v in res.visits:
        venues.setdefault(v.venue_id, {"venue_id": v.venue_id, "visits": [], "contacts": []})
        venues[v.venue_id]["visits"].append([v.start, v.end])
    for c in res:
        venues.setdefault(c.venue_id, {"venue_id": c.venue_id, "visits": [], "contacts": []})
        venues[c.venue_id]["contacts"].append({
            "subject": c.subject, "depth": c.depth, "overlap_start": c.overlap_start,
            "overlap_seconds": c.overlap_seconds,
            "presence": presence(ctx, c.subject, c.venue_id, frm, to, dwell),
        })
    return {
        "case": case, "from": frm, "to": to, "dwell": dwell,
        "operator": operator, "purpose": purpose, "audit": audit,
        "generated": hcode.now(),
        "venues": list(venues.values()),
        "contacts": [vars(c) for c in res],
    }


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Trace report (loading)</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 12px 0 20px; }
.meta dt { font-weight: 600; } .meta dd { margin: 0; }
.pseudo { font-family: ui-monospace, monospace; }
.venue { margin: 0 0 24px; }
.venue h2 { font-size: 16px; margin: 0 0 6px; }
.axis, .row { display: grid; grid-template-columns: 190px 1fr; align-items: center; }
.row { height: 22px; }
.label { font-family: ui-monospace, monospace; font-size: 12px; overflow: hidden; white-space: nowrap; }
.track { position: relative; height: 16px; background: #f3f3f3; border-radius: 3px; }
.bar { position: absolute; top: 2px; height: 12px; border-radius: 2px; }
.bar.case { background: #1f5fbf; }
.bar.presence { background: #9aa5b1; }
.bar.overlap { background: #d7191c; top: 0; height: 16px; opacity: .85; }
.ticks { position: relative; height: 18px; font-size: 11px; color: #666; }
.ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
table { border-collapse: collapse; margin-top: 8px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #eee; cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25B2"; } th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; }
</style></head>
<body>
<h1>Contact trace report</h1>
<dl class="meta" id="meta"></dl>
<div class="legend"><span><i style="background:#1f5fbf"></i>case visit</span><span><i style="background:#9aa5b1"></i>contact presence</span><span><i style="background:#d7191c"></i>overlap</span></div>
<div id="timelines"></div>
<h2 style="font-size:16px">Contacts</h2>
<table id="contacts"><thead><tr>
<th data-key="subject">Pseudonym</th><th data-key="venue_id">Venue</th><th data-key="overlap_start">Overlap from (UTC)</th>
<th data-key="overlap_seconds" data-num="1">Overlap (min)</th><th data-key="depth" data-num="1">Depth</th>
</tr></thead><tbody></tbody></table>
<script id="data" type="application/json">__DATA__</script>
<script>
"use strict";
(function () {
  var D = JSON.parse(document.getElementById("data").textContent);
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function iso(t) { return new Date(t * 1000).toISOString().replace("T", " ").replace(".000Z", "Z"); }
  function hm(t) { return new Date(t * 1000).toISOString().substr(11, 5); }
  function short(p) { return p.substr(0, 12) + "\\u2026"; }
  var meta = document.getElementById("meta");
  [["Operator", D.operator], ["Purpose", D.purpose], ["Case (pseudonym)", D.case],
   ["Window (UTC)", iso(D.from) + " \\u2013 " + iso(D.to)], ["Presence without check-out", (D.dwell / 60) + " min"],
   ["Audit log", D.audit], ["Contacts", String(D.contacts.length)], ["Generated", iso(D.generated)]
  ].forEach(function (kv) { meta.appendChild(el("dt", {}, kv[0])); meta.appendChild(el("dd", kv[0] === "Case (pseudonym)" ? {"class": "pseudo"} : {}, kv[1])); });

  function inter(a, b) {   // intersections of two interval lists
    var out = [];
    a.forEach(function (x) { b.forEach(function (y) {
      var s = Math.max(x[0], y[0]), e = Math.min(x[1], y[1]); if (s < e) out.push([s, e]); }); });
    return out;
  }
  var root = document.getElementById("timelines");
  D.venues.forEach(function (v) {
    var all = v.visits.slice();
    v.contacts.forEach(function (c) { all = all.concat(c.presence); });
    if (!all.length) return;
    var lo = Math.min.apply(null, all.map(function (i) { return i[0]; }));
    var hi = Math.max.apply(null, all.map(function (i) { return i[1]; }));
    var pad = Math.max(300, (hi - lo) * 0.05); lo -= pad; hi += pad;
    function pos(t) { return (100 * (t - lo) / (hi - lo)).toFixed(3) + "%"; }
    function bars(track, list, cls) {
      list.forEach(function (i) {
        var b = el("div", {"class": "bar " + cls, title: iso(i[0]) + " \\u2013 " + iso(i[1])});
        b.style.left = pos(i[0]); b.style.width = (100 * (i[1] - i[0]) / (hi - lo)).toFixed(3) + "%";
        track.appendChild(b);
      });
    }
    function row(label, cls) {
      var r = el("div", {"class": "row " + cls}); r.appendChild(el("div", {"class": "label"}, label));
      var t = el("div", {"class": "track"}); r.appendChild(t); return [r, t];
    }
    var sec = el("section", {"class": "venue"}); sec.appendChild(el("h2", {}, "Venue " + v.venue_id));
    var ax = el("div", {"class": "axis"}); ax.appendChild(el("div")); var ticks = el("div", {"class": "ticks"});
    for (var k = 0; k <= 6; k++) { var t = lo + (hi - lo) * k / 6; var s = el("span", {}, hm(t)); s.style.left = pos(t); ticks.appendChild(s); }
    ax.appendChild(ticks); sec.appendChild(ax);
    var c0 = row("case " + short(D.case), "case-row"); bars(c0[1], v.visits, "case"); sec.appendChild(c0[0]);
    v.contacts.forEach(function (c) {
      var r = row((c.depth > 1 ? "\\u21b3 " : "") + short(c.subject), "contact-row");
      bars(r[1], c.presence, "presence");
      bars(r[1], inter(c.presence, v.visits), "overlap");
      sec.appendChild(r[0]);
    });
    root.appendChild(sec);
  });

  var tbody = document.querySelector("#contacts tbody");
  function fill(rows) {
    tbody.textContent = "";
    rows.forEach(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", {"class": "pseudo"}, c.subject));
      tr.appendChild(el("td", {}, c.venue_id));
      tr.appendChild(el("td", {}, iso(c.overlap_start)));
      tr.appendChild(el("td", {"class": "num"}, (c.overlap_seconds / 60).toFixed(1)));
      tr.appendChild(el("td", {"class": "num"}, String(c.depth)));
      tbody.appendChild(tr);
    });
  }
  var rows = D.contacts.slice(); fill(rows);
  document.querySelectorAll("#contacts th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key, asc = th.getAttribute("aria-sort") !== "ascending";
      document.querySelectorAll("#contacts th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) { var x = a[key], y = b[key]; return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1); });
      fill(rows);
    });
  });
  // sort once by overlap, longest first: exercises the sorter as a reader would
  var th = document.querySelector('#contacts th[data-key="overlap_seconds"]');
  th.click(); th.click();
  document.title = "ok";
})();
</script>
</body></html>
"""


def render_html(data):
    blob = json.dumps(data, sort_keys=True)
    # inside <script>: no "</" (a closing tag), no HTML comment openers
    blob = blob.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return PAGE.replace("__DATA__", blob)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--pseudonym")
    ap.add_argument("--subject")
    ap.add_argument("--key")
    ap.add_argument("--from", dest="frm", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--dwell", default="1h")
    ap.add_argument("--depth", type=int, default=1, choices=(1, 2))
    ap.add_argument("--operator", required=True)
    ap.add_argument("--purpose", required=True)
    ap.add_argument("--audit-key")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if (a.pseudonym is None) == (a.subject is None) or (a.subject and not a.key):
        ap.error("give --pseudonym HEX, or --subject ID with --key PREFIX.key")
    try:
        frm, to, dwell = parse_time(a.frm), parse_time(a.to), parse_duration(a.dwell)
    except ValueError as e:
        ap.error(str(e))
    try:
        with hcode.Context() as ctx:
            case = a.pseudonym
            if a.subject:
                with hcode.Keypair.load(a.key) as k:
                    case = k.pseudonym(a.subject)
            ctx.open_store(a.db)
            # the audit key and signed head next to a SQLite DB, as `hcode trace` keeps them
            is_file = "://" not in a.db and a.db not in (":memory:", "memory:")
            if not a.audit_key and not is_file:
                ap.error("--audit-key FILE is required with --db %s" % a.db)
            akey = a.audit_key or a.db + ".audit.key"
            if not os.path.exists(akey) and not a.audit_key:
                with hcode.Keypair.generate() as k:
                    k.save(a.db + ".audit")
            with hcode.Keypair.load(akey) as k:
                ctx.set_audit_key(k, head_file=a.db + ".audit-head" if is_file else None)
                res = ctx.trace(pseudonym=case, frm=frm, to=to, dwell=dwell, depth=a.depth,
                                operator=a.operator, purpose=a.purpose)
                rep = ctx.audit_verify(k)
            audit = ("entry %d of %d, chain intact, signatures checked" % (rep.entries, rep.entries)
                     if rep.ok else "BROKEN: " + rep.problem)
            data = report_data(ctx, res, case, frm, to, dwell, a.operator, a.purpose, audit)
    except hcode.HcodeError as e:
        print("trace_report.py: %s" % e, file=sys.stderr)
        return 3
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(render_html(data))
    os.replace(tmp, a.out)
    print("%s: %d contact(s) at %d venue(s)" % (a.out, len(data["contacts"]), len(data["venues"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
