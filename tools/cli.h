/* Shared helpers of the hcode command-line tool. */
#ifndef HCODE_CLI_H
#define HCODE_CLI_H

#include <hcode.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (cli.md). */
#define EXIT_VALID 0
#define EXIT_NEGATIVE 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

/* Prints "hcode: <cmd>: <message>" to stderr and returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Runtime error from a library call: message from hcode_errmsg or strerror. */
int cli_lib_fail(hcode_ctx *ctx, int rc, const char *cmd, const char *what);

/* "2026-11-22T14:00:00Z" or Unix seconds. */
bool cli_parse_time(const char *s, int64_t *out);
/* "90s", "15m", "2h", "7d" or plain seconds. */
bool cli_parse_duration(const char *s, int64_t *out);
/* The verification options every verifying command shares: 0, or an exit
 * status after printing why the value is bad. */
int cli_opt_at(const char *cmd, const char *arg, int64_t *at);
int cli_opt_skew(const char *cmd, const char *arg, int64_t *skew);
/* Formats Unix seconds as ISO 8601 UTC. */
const char *cli_format_time(int64_t t, char buf[32]);

/* Rewrites argv so that every extra file after `--trust FILE` (cli.md's
 * "--trust FILE...") becomes its own "--trust FILE" pair. A following
 * argument is taken as a trust file when it is an existing file whose
 * content is a public key (JSON) or a trust list, never a payload or an
 * image. Returns a new argv (caller frees the array only). */
char **cli_expand_trust(int *argc, char **argv);

/* Reads one line of at most cap-1 bytes (newline stripped). Returns false at
 * EOF. A longer line is consumed whole and *too_long set. */
bool cli_read_line(FILE *f, char *buf, size_t cap, bool *too_long);

/* True when stdout is for --json output. */
void cli_print_json_line(const char *json);

#endif
