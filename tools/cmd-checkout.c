/* hcode checkout */
#include "cli.h"
#include "commands.h"
#include "gatepass.h"

int cmd_checkout(int argc, char **argv) { return cli_gate_pass(argc, argv, false); }
