/* hcode: command-line tool for health codes and venue codes. */
#include "cli.h"
#include "commands.h"

#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} commands[] = {
    {"keygen", cmd_keygen, "new issuer key pair (PREFIX.key secret, PREFIX.pub public)"},
    {"issue", cmd_issue, "sign a person's health code"},
    {"venue", cmd_venue, "sign a venue code"},
    {"verify", cmd_verify, "verify payloads offline against trusted issuer keys"},
    {"trust", cmd_trust, "trust sign: sign a trust list of issuer keys with a root key"},
    {"revoke", cmd_revoke, "sign a revocation list of codes"},
    {"present", cmd_present, "make a dynamic presentation of a holder-bound code"},
    {"import", cmd_import, "bulk import of legacy check-in registers (CSV)"},
    {"sync", cmd_sync, "deliver a gate outbox to the database"},
    {"checkin", cmd_checkin, "check a person in at a venue (policy, durable record)"},
    {"checkout", cmd_checkout, "record a person leaving a venue"},
    {"trace", cmd_trace, "reverse trace of a case or a venue (audited)"},
    {"audit", cmd_audit, "audit verify: check the tamper-evident audit log"},
    {"purge", cmd_purge, "delete check-ins past the retention period (audited)"},
    {"render", cmd_render, "render a payload as a QR code (PNG, SVG, terminal text)"},
    {"scan", cmd_scan, "find and verify every QR code in images (PNG, JPEG, PGM)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hcode COMMAND [OPTIONS]\n\n"
               "Signed health codes and venue codes (libhcode %s).\n\ncommands:\n",
            hcode_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'hcode COMMAND --help' for a command's options.\n"
               "Exit status: 0 success/valid, 1 negative verdict, 2 usage error, 3 runtime error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hcode %s\n", hcode_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hcode: unknown command '%s' (see 'hcode --help')\n", argv[1]);
    return EXIT_USAGE;
}
