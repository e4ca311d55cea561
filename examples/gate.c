/* gate: a venue kiosk built on libhcode.
 *
 * Reads frames from a V4L2 camera (/dev/video0 by default) when one is
 * there, else from a folder of images; scans every frame for QR codes,
 * verifies them offline, applies the venue policy, checks the person in,
 * and prints one coloured line per person. Ctrl-C (SIGINT) or SIGTERM
 * stops it cleanly.
 *
 *   gate --venue VENUE_PAYLOAD|@FILE --trust ISSUER.pub [--trust ...]
 *        --db DB [--policy FILE] [--gate ID] [--device DEV | --frames DIR]
 *        [--loop] [--at UNIX_SECONDS] [--color auto|always|never]
 *
 * Exit status: 0 after a clean stop (or the end of the frames), 2 usage,
 * 3 runtime error. */
#include <hcode.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/videodev2.h>
#define HAVE_V4L2 1
#endif

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int colour;
static const char *paint(const char *c) { return colour ? c : ""; }
#define GREEN "\033[1;32m"
#define YELLOW "\033[1;33m"
#define RED "\033[1;31m"
#define RESET "\033[0m"

#define RECENT 16
#define REPEAT 5

struct gate {
    hcode_ctx *ctx;
    const char *venue;
    const char *gate_id;
    int64_t at;              /* HCODE_NOW, or a fixed replay time */
    /* a camera sees one code in many frames: a subject is handled once
     * per REPEAT seconds (the last RECENT subjects are remembered) */
    struct {
        char subject[40];
        int64_t time;
    } recent[RECENT];
    unsigned next;
    unsigned admitted, denied;
};

static int64_t gate_now(const struct gate *g) { return g->at == HCODE_NOW ? hcode_time_now() : g->at; }

static void handle_code(struct gate *g, const char *payload, const hcode_verdict *v)
{
    if (hcode_verdict_kind(v) == HCODE_KIND_VENUE)
        return; /* a venue poster in view */
    const char *subject = hcode_verdict_subject(v);
    int64_t t = gate_now(g);
    for (unsigned i = 0; *subject && i < RECENT; i++)
        if (strcmp(subject, g->recent[i].subject) == 0 && t - g->recent[i].time < REPEAT)
            return;
    hcode_admission *a = NULL;
    int rc = hcode_checkin(g->ctx, payload, g->venue, g->gate_id, g->at, &a);
    if (rc != 0) {
        /* the record could not be stored: the gate stays shut */
        printf("%sERROR%s   %-8s %s\n", paint(RED), paint(RESET), "-", hcode_errmsg(g->ctx));
        fflush(stdout);
        return;
    }
    if (*hcode_admission_subject(a)) {
        snprintf(g->recent[g->next].subject, sizeof g->recent[g->next].subject, "%s", hcode_admission_subject(a));
        g->recent[g->next].time = t;
        g->next = (g->next + 1) % RECENT;
    }
    const char *st = hcode_status_name(hcode_admission_status(a));
    const char *who = hcode_admission_subject(a);
    if (hcode_admission_admitted(a)) {
        g->admitted++;
        printf("%sADMIT%s   %-8s %.8s… %s\n", paint(hcode_admission_status(a) == HCODE_YELLOW ? YELLOW : GREEN),
               paint(RESET), st ? st : "-", *who ? who : "????????", hcode_admission_venue_id(a));
    } else {
        g->denied++;
        printf("%sDENY%s    %-8s %.8s… %s: %s\n", paint(RED), paint(RESET), st ? st : "-",
               *who ? who : "????????", hcode_admission_reason(a), hcode_admission_message(a));
    }
    fflush(stdout);
    hcode_admission_free(a);
}

static void handle_result(struct gate *g, hcode_scan_result *r)
{
    for (size_t i = 0; i < hcode_scan_result_count(r); i++)
        handle_code(g, hcode_scan_result_payload(r, i), hcode_scan_result_verdict(r, i));
}

/* ---- frames from a folder of images --------------------------------- */

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int run_folder(struct gate *g, const char *dir, int loop)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "gate: cannot open %s: %s\n", dir, strerror(errno));
        return 3;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcasecmp(dot, ".png") && strcasecmp(dot, ".jpg") && strcasecmp(dot, ".jpeg") &&
                     strcasecmp(dot, ".pgm")))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    int ret = 0;
    do {
        for (size_t i = 0; i < n && !stop; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            hcode_scan_result *r = NULL;
            int rc = hcode_qr_scan_file(g->ctx, path, g->at, &r);
            if (rc != 0) {
                fprintf(stderr, "gate: %s: %s\n", names[i], hcode_errmsg(g->ctx));
                continue;
            }
            handle_result(g, r);
            hcode_scan_result_free(r);
        }
        if (loop && !stop) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } while (loop && !stop);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ret;
}

/* ---- frames from a V4L2 camera ---------------------------------------- */

#ifdef HAVE_V4L2
static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR && !stop);
    return r;
}

static int run_camera(struct gate *g, const char *dev)
{
    int fd = open(dev, O_RDWR | O_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "gate: cannot open %s: %s\n", dev, strerror(errno));
        return 3;
    }
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    fmt.fmt.pix.width = 640;
    fmt.fmt.pix.height = 480;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_GREY) {
        fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV; /* luma is every other byte */
        if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV) {
            fprintf(stderr, "gate: %s offers neither GREY nor YUYV frames\n", dev);
            close(fd);
            return 3;
        }
    }
    int w = (int)fmt.fmt.pix.width, h = (int)fmt.fmt.pix.height;
    int yuyv = fmt.fmt.pix.pixelformat == V4L2_PIX_FMT_YUYV;
    struct v4l2_requestbuffers req = {.count = 4, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(fd, VIDIOC_REQBUFS, &req) < 0 || req.count < 2) {
        fprintf(stderr, "gate: %s: no streaming buffers: %s\n", dev, strerror(errno));
        close(fd);
        return 3;
    }
    void *maps[8] = {0};
    size_t lens[8] = {0};
    unsigned nbuf = req.count > 8 ? 8 : req.count;
    int ret = 0;
    for (unsigned i = 0; i < nbuf; i++) {
        struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP, .index = i};
        if (xioctl(fd, VIDIOC_QUERYBUF, &b) < 0 ||
            (maps[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, b.m.offset)) == MAP_FAILED) {
            maps[i] = NULL;
            ret = 3;
            goto out;
        }
        lens[i] = b.length;
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0) {
            ret = 3;
            goto out;
        }
    }
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_STREAMON, &type) < 0) {
        ret = 3;
        goto out;
    }
    uint8_t *grey = malloc((size_t)w * (size_t)h);
    if (!grey) {
        ret = 3;
        goto off;
    }
    fprintf(stderr, "gate: reading %dx%d %s frames from %s\n", w, h, yuyv ? "YUYV" : "GREY", dev);
    while (!stop) {
        struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(fd, VIDIOC_DQBUF, &b) < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
                continue;
            }
            fprintf(stderr, "gate: %s: %s\n", dev, strerror(errno));
            ret = 3;
            break;
        }
        const uint8_t *src = maps[b.index];
        const uint8_t *frame = src;
        int stride = (int)fmt.fmt.pix.bytesperline;
        if (yuyv) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    grey[(size_t)y * w + x] = src[(size_t)y * fmt.fmt.pix.bytesperline + 2 * (size_t)x];
            frame = grey;
            stride = w;
        } else if (stride < w) {
            stride = w;
        }
        hcode_scan_result *r = NULL;
        if (b.bytesused >= (size_t)stride * (h - 1) + (size_t)w || yuyv) {
            if (hcode_qr_scan_gray(g->ctx, frame, w, h, stride, g->at, &r) == 0) {
                handle_result(g, r);
                hcode_scan_result_free(r);
            }
        }
        xioctl(fd, VIDIOC_QBUF, &b);
    }
    free(grey);
off:
    xioctl(fd, VIDIOC_STREAMOFF, &type);
out:
    for (unsigned i = 0; i < nbuf; i++)
        if (maps[i])
            munmap(maps[i], lens[i]);
    close(fd);
    return ret;
}
#endif

/* ---- main --------------------------------------------------------------- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(HCODE_PAYLOAD_MAX + 2);
    size_t n = buf ? fread(buf, 1, HCODE_PAYLOAD_MAX + 1, f) : 0;
    fclose(f);
    if (!buf || n > HCODE_PAYLOAD_MAX) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

static void usage(FILE *f)
{
    fputs("usage: gate --venue VENUE_PAYLOAD|@FILE --trust ISSUER.pub [--trust ...] --db DB\n"
          "            [--policy FILE] [--gate ID] [--device DEV | --frames DIR] [--loop]\n"
          "            [--at UNIX_SECONDS] [--color auto|always|never]\n"
          "Scans frames from a V4L2 camera (default /dev/video0 when present) or a folder of\n"
          "images, verifies every code, applies the venue policy and checks people in; one\n"
          "line per person. Stops cleanly on Ctrl-C.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"venue", required_argument, 0, 'v'}, {"trust", required_argument, 0, 't'},
        {"db", required_argument, 0, 'd'},    {"policy", required_argument, 0, 'p'},
        {"gate", required_argument, 0, 'g'},  {"device", required_argument, 0, 'D'},
        {"frames", required_argument, 0, 'f'}, {"loop", no_argument, 0, 'l'},
        {"at", required_argument, 0, 'a'},    {"color", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    const char *venue_arg = NULL, *db = NULL, *policy = NULL, *device = NULL, *frames = NULL, *gate_id = "gate-1";
    const char *trust[16];
    int ntrust = 0, loop = 0, c;
    int64_t at = HCODE_NOW;
    colour = isatty(STDOUT_FILENO);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': venue_arg = optarg; break;
        case 't':
            if (ntrust == 16) {
                fprintf(stderr, "gate: at most 16 --trust files\n");
                return 2;
            }
            trust[ntrust++] = optarg;
            break;
        case 'd': db = optarg; break;
        case 'p': policy = optarg; break;
        case 'g': gate_id = optarg; break;
        case 'D': device = optarg; break;
        case 'f': frames = optarg; break;
        case 'l': loop = 1; break;
        case 'a': {
            char *end;
            errno = 0;
            at = strtoll(optarg, &end, 10);
            if (errno || *end || at < 0) {
                fprintf(stderr, "gate: bad --at '%s' (Unix seconds)\n", optarg);
                return 2;
            }
            break;
        }
        case 'c':
            colour = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0 : isatty(STDOUT_FILENO);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!venue_arg || !ntrust || !db || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!device && !frames) {
        struct stat sb;
        if (stat("/dev/video0", &sb) == 0)
            device = "/dev/video0";
        else {
            fprintf(stderr, "gate: no camera at /dev/video0; give --frames DIR\n");
            return 2;
        }
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int ret = 3;
    char *venue = NULL;
    struct gate g = {.gate_id = gate_id, .at = at};
    if (hcode_ctx_new(&g.ctx) != 0) {
        fprintf(stderr, "gate: out of memory\n");
        return 3;
    }
    venue = venue_arg[0] == '@' ? read_text(venue_arg + 1) : strdup(venue_arg);
    if (!venue) {
        fprintf(stderr, "gate: cannot read the venue code %s\n", venue_arg);
        goto out;
    }
    g.venue = venue;
    for (int i = 0; i < ntrust; i++)
        if (hcode_trust_add_file(g.ctx, trust[i]) != 0) {
            fprintf(stderr, "gate: %s\n", hcode_errmsg(g.ctx));
            goto out;
        }
    if (policy) {
        hcode_policy *p = NULL;
        if (hcode_policy_load(g.ctx, policy, &p) != 0 || hcode_ctx_set_policy(g.ctx, p) != 0) {
            fprintf(stderr, "gate: policy %s: %s\n", policy, hcode_errmsg(g.ctx));
            goto out;
        }
    }
    if (hcode_ctx_open_store(g.ctx, db) != 0) {
        fprintf(stderr, "gate: %s\n", hcode_errmsg(g.ctx));
        goto out;
    }
    /* the venue code itself must be valid before the gate opens */
    hcode_verdict *vv = NULL;
    if (hcode_verify(g.ctx, venue, strlen(venue), at, &vv) != 0 || !hcode_verdict_valid(vv) ||
        hcode_verdict_kind(vv) != HCODE_KIND_VENUE) {
        fprintf(stderr, "gate: the venue code is not valid: %s\n", vv ? hcode_verdict_message(vv) : "out of memory");
        hcode_verdict_free(vv);
        goto out;
    }
    fprintf(stderr, "gate: %s at %s (%s)\n", gate_id, hcode_verdict_venue_name(vv), hcode_verdict_venue_id(vv));
    hcode_verdict_free(vv);

    if (frames)
        ret = run_folder(&g, frames, loop);
    else {
#ifdef HAVE_V4L2
        ret = run_camera(&g, device);
#else
        fprintf(stderr, "gate: no V4L2 on this system; give --frames DIR\n");
        ret = 2;
#endif
    }
    fprintf(stderr, "gate: %s; %u admitted, %u denied\n", stop ? "stopped" : "done", g.admitted, g.denied);
out:
    free(venue);
    hcode_ctx_free(g.ctx);
    return ret;
}
