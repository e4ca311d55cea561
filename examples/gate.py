#!/usr/bin/python3
"""gate.py: a venue kiosk in Python on the hcode binding.

Frames come from a V4L2 camera (/dev/video0 when present; read() I/O,
8-bit grey 640x480) or from a folder of images. Every frame is scanned,
each person's code verified and checked in against the venue policy,
and one coloured line printed per person. Ctrl-C stops it cleanly.

    gate.py --venue VENUE_PAYLOAD|@FILE --trust ISSUER.pub --db DB
            [--policy FILE] [--gate ID] [--device DEV | --frames DIR]
            [--loop] [--at UNIX_SECONDS] [--color auto|always|never]
"""

import argparse
import fcntl
import os
import signal
import struct
import sys
import time

import hcode

REPEAT = 5                                       # seconds before the same person is handled again
GREEN, YELLOW, RED, RESET = "\033[1;32m", "\033[1;33m", "\033[1;31m", "\033[0m"


class Gate:
    def __init__(self, ctx, venue, gate_id, at, colour):
        self.ctx, self.venue, self.gate_id, self.at = ctx, venue, gate_id, at
        self.colour = colour
        self.recent = {}                         # subject -> last time handled
        self.admitted = self.denied = 0

    def paint(self, c):
        return c if self.colour else ""

    def now(self):
        return self.at if self.at is not None else hcode.now()

    def frame(self, found):
        for v in found:
            if v.kind == "venue":
                continue                         # the venue poster in view
            t = self.now()
            if v.subject and t - self.recent.get(v.subject, t - REPEAT) < REPEAT:
                continue                         # the same person, next frame
            try:
                a = self.ctx.checkin(self.venue, v.payload, at=self.at, gate=self.gate_id)
            except hcode.HcodeError as e:        # not stored: the gate stays shut
                print("%sERROR%s   %s" % (self.paint(RED), self.paint(RESET), e), flush=True)
                continue
            if a.subject:
                self.recent[a.subject] = t
            who = (a.subject or "????????")[:8] + "…"
            st = str(a.status) if a.status is not None else "-"
            if a.admitted:
                self.admitted += 1
                c = YELLOW if a.status == hcode.Status.YELLOW else GREEN
                print("%sADMIT%s   %-8s %s %s" % (self.paint(c), self.paint(RESET), st, who, a.venue_id), flush=True)
            else:
                self.denied += 1
                print("%sDENY%s    %-8s %s %s: %s" % (self.paint(RED), self.paint(RESET), st, who, a.reason,
                                                     a.message), flush=True)


def folder_frames(path, loop):
    names = sorted(n for n in os.listdir(path) if n.lower().endswith((".png", ".jpg", ".jpeg", ".pgm")))
    while True:
        for n in names:
            yield os.path.join(path, n)
        if not loop:
            return
        time.sleep(0.2)


# V4L2 read() capture, 8-bit grey. struct v4l2_format is 208 bytes on
# 64-bit Linux; the pix member starts at offset 8.
_VIDIOC_S_FMT = (3 << 30) | (208 << 16) | (ord("V") << 8) | 5
_GREY = struct.unpack("<I", b"GREY")[0]


def camera_frames(dev, width=640, height=480):
    fd = os.open(dev, os.O_RDWR)
    try:
        buf = bytearray(208)
        struct.pack_into("<I", buf, 0, 1)                          # V4L2_BUF_TYPE_VIDEO_CAPTURE
        struct.pack_into("<IIIIII", buf, 8, width, height, _GREY, 0, 0, 0)
        fcntl.ioctl(fd, _VIDIOC_S_FMT, buf)
        w, h, fmt, _, bpl, size = struct.unpack_from("<IIIIII", buf, 8)
        if fmt != _GREY:
            raise OSError("%s does not offer 8-bit grey frames" % dev)
        while True:
            data = os.read(fd, size)
            yield (data, w, h, bpl or w)
    finally:
        os.close(fd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venue", required=True)
    ap.add_argument("--trust", action="append", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--policy")
    ap.add_argument("--gate", default="gate-1")
    ap.add_argument("--device")
    ap.add_argument("--frames")
    ap.add_argument("--loop", action="store_true")
    ap.add_argument("--at", type=int)
    ap.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    args = ap.parse_args(argv)
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    venue = args.venue
    if venue.startswith("@"):
        with open(venue[1:]) as f:
            venue = f.readline().strip()
    device = args.device
    if not device and not args.frames:
        if not os.path.exists("/dev/video0"):
            print("gate.py: no camera at /dev/video0; give --frames DIR", file=sys.stderr)
            return 2
        device = "/dev/video0"
    # clean stop on Ctrl-C and SIGTERM (also when started with SIGINT ignored)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    with hcode.Context() as ctx:
        try:
            for t in args.trust:
                ctx.add_trust(t)
            if args.policy:
                ctx.set_policy(args.policy)
            ctx.open_store(args.db)
            v = ctx.verify(venue, at=args.at)
            if not v.valid or v.kind != "venue":
                print("gate.py: the venue code is not valid: %s" % (v.message or v.kind), file=sys.stderr)
                return 3
        except (hcode.HcodeError, OSError) as e:
            print("gate.py: %s" % e, file=sys.stderr)
            return 3
        print("gate.py: %s at %s (%s)" % (args.gate, v.venue_name, v.venue_id), file=sys.stderr)
        gate = Gate(ctx, venue, args.gate, args.at, colour)
        stopped = False
        try:
            if args.frames:
                for path in folder_frames(args.frames, args.loop):
                    try:
                        gate.frame(ctx.scan(path, at=args.at))
                    except hcode.HcodeError as e:
                        print("gate.py: %s: %s" % (os.path.basename(path), e), file=sys.stderr)
            else:
                for data, w, h, stride in camera_frames(device):
                    gate.frame(ctx.scan_gray(data, w, h, stride, at=args.at))
        except KeyboardInterrupt:
            stopped = True
        except OSError as e:
            print("gate.py: %s" % e, file=sys.stderr)
            return 3
        print("gate.py: %s; %d admitted, %d denied" % ("stopped" if stopped else "done", gate.admitted,
                                                       gate.denied), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
