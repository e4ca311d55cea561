/* Shared body of hcode checkin / hcode checkout. */
#ifndef HCODE_GATEPASS_H
#define HCODE_GATEPASS_H
int cli_gate_pass(int argc, char **argv, bool checkin);
#endif
