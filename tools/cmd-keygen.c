/* hcode keygen */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <string.h>

static const char help[] =
    "usage: hcode keygen --out PREFIX [--region REGION]\n\n"
    "Creates a new Ed25519 issuer key pair:\n"
    "  PREFIX.key  the secret key, mode 0600, never printed\n"
    "  PREFIX.pub  the public key as JSON {kid, region, public_key}: give it to verifiers\n"
    "Prints the key id (hex). Refuses to overwrite existing files.\n\n"
    "  --out PREFIX     where to write the two files (required)\n"
    "  --region REGION  issuing region, e.g. CN-370100 (default XX)\n";

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"region", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL, *region = "XX";
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r': region = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (!out || optind != argc)
        return cli_fail(EXIT_USAGE, "keygen", "--out PREFIX is required (see --help)");
    hcode_keypair *kp;
    int rc = hcode_keypair_generate(&kp, region);
    if (rc == HCODE_EINVAL)
        return cli_fail(EXIT_USAGE, "keygen", "bad --region '%s': 1..%zu printable ASCII characters",
                        region, hcode_region_max());
    if (rc)
        return cli_fail(EXIT_RUNTIME, "keygen", "%s", hcode_strerror(rc));
    rc = hcode_keypair_save(kp, out);
    if (rc) {
        hcode_keypair_free(kp);
        if (rc == HCODE_EEXIST)
            return cli_fail(EXIT_RUNTIME, "keygen", "%s.key or %s.pub already exists; not overwritten",
                            out, out);
        return cli_fail(EXIT_RUNTIME, "keygen", "cannot write %s.key / %s.pub: %s", out, out,
                        hcode_strerror(rc));
    }
    printf("%s\n", hcode_keypair_kid_hex(kp));
    hcode_keypair_free(kp);
    return 0;
}
