#ifndef HCODE_BENCH_STORE_H
#define HCODE_BENCH_STORE_H
/* Storage benchmarks: prints `name value unit` lines (bench.md). */
void bench_store(int quick);
#endif
