/* A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that cuts the
 * connection at a chosen frontend (client -> server) protocol message:
 * before forwarding it (the server never sees it) or right after
 * forwarding it (the server acts on it, the client never hears back:
 * for COMMIT, an unknown outcome). */
#ifndef HCODE_TEST_CUT_PROXY_H
#define HCODE_TEST_CUT_PROXY_H

enum { CUT_BEFORE = 0, CUT_AFTER = 1 };

typedef struct cut_proxy cut_proxy;

/* Starts a proxy to 127.0.0.1:upstream_port; *port gets its own port. */
cut_proxy *cut_proxy_start(int upstream_port, int *port);
/* From now on count messages from 0 and cut at message `at` (-1: never). */
void cut_proxy_arm(cut_proxy *p, long at, int mode);
/* Messages seen since the last arm; whether the cut happened. */
long cut_proxy_seen(cut_proxy *p);
int cut_proxy_fired(cut_proxy *p);
/* Type byte of message `i` since arming (0 if not recorded). */
char cut_proxy_type(cut_proxy *p, long i);
void cut_proxy_stop(cut_proxy *p);

#endif
