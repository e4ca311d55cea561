/* hcode-bench: shared helpers. Each figure is printed as `name value unit`. */
#ifndef HCODE_BENCH_H
#define HCODE_BENCH_H

#include <stddef.h>
#include <stdint.h>

double bench_now(void);                  /* monotonic seconds */
double bench_median(double *v, size_t n); /* sorts v */
void bench_figure(const char *name, double value, const char *unit);

/* Runs fn(arg) `iters` times, returns operations per second. */
double bench_rate(void (*fn)(void *), void *arg, long iters);
/* Median over `rounds` of rate(ours)/rate(raw), measured alternately. */
double bench_ratio(void (*ours)(void *), void (*raw)(void *), void *arg, long iters, int rounds,
                   double *ours_rate, double *raw_rate);

void bench_core(int quick);
void bench_trust(int quick);
void bench_store(int quick);
void bench_qr(int quick);   /* bench-qr.c */

#endif
