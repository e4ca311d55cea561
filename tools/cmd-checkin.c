/* hcode checkin */
#include "cli.h"
#include "commands.h"
#include "gatepass.h"

int cmd_checkin(int argc, char **argv) { return cli_gate_pass(argc, argv, true); }
