/* Shared helpers of the hcode command-line tool. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hcode: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_lib_fail(hcode_ctx *ctx, int rc, const char *cmd, const char *what)
{
    const char *detail = ctx ? hcode_errmsg(ctx) : "";
    if (detail && *detail)
        return cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, cmd, "%s: %s", what, detail);
    return cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, cmd, "%s: %s", what,
                    hcode_strerror(rc));
}

static bool parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool cli_parse_time(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (parse_int64(s, out))
        return *out >= 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end || *end)
            return false;
    } else if (*end == 'Z' && end[1] == '\0') {
        /* UTC */
    } else if (strcmp(end, "+00:00") != 0 && *end) {
        return false;
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (int64_t)t;
    return true;
}

bool cli_parse_duration(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    size_t n = strlen(s);
    int64_t mul = 1;
    char last = s[n - 1];
    char num[32];
    if (isalpha((unsigned char)last)) {
        switch (last) {
        case 's': mul = 1; break;
        case 'm': mul = 60; break;
        case 'h': mul = 3600; break;
        case 'd': mul = 86400; break;
        default: return false;
        }
        n--;
    }
    if (n == 0 || n >= sizeof num)
        return false;
    memcpy(num, s, n);
    num[n] = '\0';
    int64_t v;
    if (!parse_int64(num, &v) || v < 0 || v > INT64_C(100) * 365 * 86400 / mul)
        return false;
    *out = v * mul;
    return true;
}

int cli_opt_at(const char *cmd, const char *arg, int64_t *at)
{
    if (cli_parse_time(arg, at))
        return 0;
    return cli_fail(EXIT_USAGE, cmd, "bad --at '%s' (ISO 8601 UTC or Unix seconds)", arg);
}

int cli_opt_skew(const char *cmd, const char *arg, int64_t *skew)
{
    if (cli_parse_duration(arg, skew))
        return 0;
    return cli_fail(EXIT_USAGE, cmd, "bad --skew '%s'", arg);
}

const char *cli_format_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "%lld", (long long)t);
    return buf;
}

static bool looks_like_trust_file(const char *arg)
{
    if (arg[0] == '-')
        return false;
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    FILE *f = fopen(arg, "rb");
    if (!f)
        return false;
    unsigned char head[8] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    size_t i = 0;
    while (i < n && isspace(head[i]))
        i++;
    if (i < n && head[i] == '{')
        return true; /* a public-key file */
    return n >= 5 && memcmp(head, "HCTL", 4) == 0; /* a signed trust list */
}

char **cli_expand_trust(int *argc, char **argv)
{
    int n = *argc;
    char **out = calloc(2 * (size_t)n + 1, sizeof *out);
    if (!out)
        return NULL;
    int o = 0;
    for (int i = 0; i < n; i++) {
        out[o++] = argv[i];
        if (strcmp(argv[i], "--trust") == 0 && i + 1 < n) {
            out[o++] = argv[++i];
            while (i + 1 < n && looks_like_trust_file(argv[i + 1])) {
                out[o++] = "--trust";
                out[o++] = argv[++i];
            }
        }
    }
    out[o] = NULL;
    *argc = o;
    return out;
}

bool cli_read_line(FILE *f, char *buf, size_t cap, bool *too_long)
{
    size_t n = 0;
    int c;
    *too_long = false;
    for (;;) {
        c = getc(f);
        if (c == EOF) {
            if (n == 0 && !*too_long)
                return false;
            break;
        }
        if (c == '\n')
            break;
        if (n + 1 < cap)
            buf[n++] = (char)c;
        else
            *too_long = true;
    }
    while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    return true;
}

void cli_print_json_line(const char *json)
{
    fputs(json, stdout);
    fputc('\n', stdout);
}
