/* hcode render */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char help[] =
    "usage: hcode render --out FILE [--format png|svg|txt] [--scale N] [--ecc Q|H] [PAYLOAD | -]\n\n"
    "Renders one payload as a QR code image. With no PAYLOAD, or '-', reads the payload\n"
    "from the first line of standard input. A person code is drawn in its status colour\n"
    "(green, yellow or red modules on white); other codes in black. The code has a\n"
    "4-module quiet zone.\n\n"
    "  --out FILE        output file; '-' writes to standard output\n"
    "  --format F        png, svg or txt (UTF-8 half blocks, light modules drawn, for dark\n"
    "                    terminals); default: from FILE's extension, else png\n"
    "  --scale N         pixels per module for PNG, units per module for SVG (1..64, default 8)\n"
    "  --ecc L           error correction: Q (default) or H (printed codes); L and M also accepted\n\n"
    "Exit status: 0 written, 2 usage error, 3 runtime error.\n";

static int format_from_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return -1;
    char ext[8];
    size_t n = strlen(dot + 1);
    if (n == 0 || n >= sizeof ext)
        return -1;
    for (size_t i = 0; i <= n; i++)
        ext[i] = (char)((dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? dot[1 + i] + 32 : dot[1 + i]);
    return hcode_qr_format_parse(ext);
}

/* Writes the whole buffer to a temporary file next to path, then renames
 * it into place: never a partial file. */
static int write_file(const char *path, const uint8_t *p, size_t n)
{
    if (!strcmp(path, "-")) {
        if (fwrite(p, 1, n, stdout) != n || fflush(stdout))
            return cli_fail(EXIT_RUNTIME, "render", "standard output: write error");
        return 0;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return cli_fail(EXIT_RUNTIME, "render", "out of memory");
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return cli_fail(EXIT_RUNTIME, "render", "%s: cannot create: %s", path, strerror(e));
    }
    FILE *f = fdopen(fd, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f)
        ok &= fclose(f) == 0;
    else
        close(fd);
    if (ok && chmod(tmp, 0644) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return cli_fail(EXIT_RUNTIME, "render", "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return 0;
}

int cmd_render(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},   {"format", required_argument, 0, 'f'},
        {"scale", required_argument, 0, 's'}, {"ecc", required_argument, 0, 'e'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    const char *out = NULL;
    int format = -1, scale = 0, ecc = HCODE_QR_ECC_Q, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if ((format = hcode_qr_format_parse(optarg)) < 0)
                return cli_fail(EXIT_USAGE, "render", "bad --format '%s' (png, svg or txt)", optarg);
            break;
        case 's': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1 || v > HCODE_QR_SCALE_MAX)
                return cli_fail(EXIT_USAGE, "render", "bad --scale '%s' (1..%d)", optarg,
                                HCODE_QR_SCALE_MAX);
            scale = (int)v;
            break;
        }
        case 'e':
            if ((ecc = hcode_qr_ecc_parse(optarg)) < 0)
                return cli_fail(EXIT_USAGE, "render", "bad --ecc '%s' (Q or H)", optarg);
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (!out)
        return cli_fail(EXIT_USAGE, "render", "--out FILE is required (see --help)");
    if (format < 0)
        format = format_from_name(out);
    if (format < 0)
        format = HCODE_QR_PNG;
    if (argc - optind > 1)
        return cli_fail(EXIT_USAGE, "render", "one payload at a time");
    static char line[HCODE_PAYLOAD_MAX + 2];
    const char *payload;
    if (optind == argc || !strcmp(argv[optind], "-")) {
        bool too_long = false;
        if (!cli_read_line(stdin, line, sizeof line, &too_long))
            return cli_fail(EXIT_USAGE, "render", "no payload on standard input");
        if (too_long)
            return cli_fail(EXIT_RUNTIME, "render", "payload longer than %zu characters",
                            hcode_payload_max());
        payload = line;
    } else {
        payload = argv[optind];
    }
    hcode_ctx *ctx = NULL;
    int rc = hcode_ctx_new(&ctx);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "render", "%s", hcode_strerror(rc));
    uint8_t *img = NULL;
    size_t n = 0;
    rc = hcode_qr_render(ctx, payload, strlen(payload), format, scale, ecc, &img, &n);
    int ret;
    if (rc)
        ret = cli_fail(rc == HCODE_EINVAL || rc == HCODE_ELIMIT ? EXIT_USAGE : EXIT_RUNTIME, "render",
                       "%s", hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
    else
        ret = write_file(out, img, n);
    hcode_free(img);
    hcode_ctx_free(ctx);
    return ret;
}
