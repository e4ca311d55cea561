#!/usr/bin/env python3
"""Prints 'N passed, N failed' from one or more meson testlog.json files.
A skipped test counts as failed. Exit status 1 when anything failed."""
import json
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)["result"]
                if r in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                else:
                    failed += 1
                    print(f"failed: {json.loads(line)['name']} ({r})", file=sys.stderr)
    except OSError as e:
        print(f"testcount: {e}", file=sys.stderr)
        failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
