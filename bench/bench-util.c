#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_figure(const char *name, double value, const char *unit)
{
    if (value >= 100 || value == (double)(long long)value)
        printf("%s %.0f %s\n", name, value, unit);
    else
        printf("%s %.3f %s\n", name, value, unit);
    fflush(stdout);
}

double bench_rate(void (*fn)(void *), void *arg, long iters)
{
    double t = bench_now();
    for (long i = 0; i < iters; i++)
        fn(arg);
    double dt = bench_now() - t;
    return dt > 0 ? (double)iters / dt : 0;
}

double bench_ratio(void (*ours)(void *), void (*raw)(void *), void *arg, long iters, int rounds,
                   double *ours_rate, double *raw_rate)
{
    double r[64], a[64], b[64];
    if (rounds > 64)
        rounds = 64;
    for (int i = 0; i < rounds; i++) {
        /* alternate the order so drift affects both sides alike */
        if (i % 2) {
            a[i] = bench_rate(ours, arg, iters);
            b[i] = bench_rate(raw, arg, iters);
        } else {
            b[i] = bench_rate(raw, arg, iters);
            a[i] = bench_rate(ours, arg, iters);
        }
        r[i] = a[i] / b[i];
    }
    if (ours_rate)
        *ours_rate = bench_median(a, (size_t)rounds);
    if (raw_rate)
        *raw_rate = bench_median(b, (size_t)rounds);
    return bench_median(r, (size_t)rounds);
}
