#include "cut-proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TYPES 4096

struct cut_proxy {
    int lfd, upstream_port;
    pthread_t thread;
    pthread_mutex_t mu;
    long cut_at, seen;
    int mode, fired, stop;
    char types[MAX_TYPES];
};

static int connect_up(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Relays one client connection until either side closes or the cut fires. */
static void relay(cut_proxy *p, int cfd)
{
    int sfd = connect_up(p->upstream_port);
    if (sfd < 0) {
        close(cfd);
        return;
    }
    uint8_t *buf = malloc(1 << 20);
    size_t have = 0, cap = 1 << 20;
    int startup = 1;
    struct pollfd pf[2] = {{cfd, POLLIN, 0}, {sfd, POLLIN, 0}};
    for (;;) {
        if (poll(pf, 2, 200) < 0 && errno != EINTR)
            break;
        pthread_mutex_lock(&p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t tmp[65536];
            ssize_t r = recv(sfd, tmp, sizeof tmp, 0);
            if (r <= 0 || write_all(cfd, tmp, (size_t)r) != 0)
                break;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (have == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
            }
            ssize_t r = recv(cfd, buf + have, cap - have, 0);
            if (r <= 0)
                break;
            have += (size_t)r;
            /* forward whole messages, one at a time */
            size_t off = 0;
            int cut = 0;
            for (;;) {
                size_t hdr = startup ? 0 : 1;
                if (have - off < hdr + 4)
                    break;
                size_t len = hdr + be32(buf + off + hdr);
                if (have - off < len)
                    break;
                int after = 0;
                if (!startup) {
                    pthread_mutex_lock(&p->mu);
                    long i = p->seen++;
                    if (i < MAX_TYPES)
                        p->types[i] = (char)buf[off];
                    if (!p->fired && i == p->cut_at) {
                        p->fired = 1;
                        if (p->mode == CUT_BEFORE)
                            cut = 1;
                        else
                            after = 1;
                    }
                    pthread_mutex_unlock(&p->mu);
                }
                if (cut)
                    break;
                if (write_all(sfd, buf + off, len) != 0) {
                    cut = 1;
                    break;
                }
                off += len;
                /* SSLRequest / GSSENCRequest are followed by another startup-style message */
                if (!(startup && len == 8 && (be32(buf + off - 4) == 80877103u ||
                                              be32(buf + off - 4) == 80877104u)))
                    startup = 0;
                if (after) {
                    /* let the server act on it, then drop both sides */
                    struct timespec ts = {0, 300 * 1000 * 1000};
                    nanosleep(&ts, NULL);
                    cut = 1;
                    break;
                }
            }
            if (cut)
                break;
            memmove(buf, buf + off, have - off);
            have -= off;
        }
    }
    free(buf);
    shutdown(cfd, SHUT_RDWR);
    close(cfd);
    close(sfd);
}

static void *run(void *arg)
{
    cut_proxy *p = arg;
    for (;;) {
        struct pollfd pf = {p->lfd, POLLIN, 0};
        int n = poll(&pf, 1, 100);
        pthread_mutex_lock(&p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        if (n <= 0)
            continue;
        int cfd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        relay(p, cfd);   /* one connection at a time: the tests use one */
    }
    return NULL;
}

cut_proxy *cut_proxy_start(int upstream_port, int *port)
{
    cut_proxy *p = calloc(1, sizeof *p);
    p->upstream_port = upstream_port;
    p->cut_at = -1;
    pthread_mutex_init(&p->mu, NULL);
    p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(p->lfd, 8) != 0 ||
        getsockname(p->lfd, (struct sockaddr *)&a, &al) != 0) {
        close(p->lfd);
        free(p);
        return NULL;
    }
    *port = ntohs(a.sin_port);
    pthread_create(&p->thread, NULL, run, p);
    return p;
}

void cut_proxy_arm(cut_proxy *p, long at, int mode)
{
    pthread_mutex_lock(&p->mu);
    p->cut_at = at;
    p->mode = mode;
    p->seen = 0;
    p->fired = 0;
    memset(p->types, 0, sizeof p->types);
    pthread_mutex_unlock(&p->mu);
}

long cut_proxy_seen(cut_proxy *p)
{
    pthread_mutex_lock(&p->mu);
    long n = p->seen;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int cut_proxy_fired(cut_proxy *p)
{
    pthread_mutex_lock(&p->mu);
    int f = p->fired;
    pthread_mutex_unlock(&p->mu);
    return f;
}

char cut_proxy_type(cut_proxy *p, long i)
{
    pthread_mutex_lock(&p->mu);
    char t = i >= 0 && i < MAX_TYPES ? p->types[i] : 0;
    pthread_mutex_unlock(&p->mu);
    return t;
}

void cut_proxy_stop(cut_proxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    close(p->lfd);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
