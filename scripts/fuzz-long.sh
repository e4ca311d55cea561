#!/bin/bash
# The longer fuzzing job: every libFuzzer target for SECONDS (default 1800)
# under ASan+UBSan, JOBS targets at a time (default 2), restarting after a
# finding until the time is used; then each grown corpus is minimised with
# -merge=1 into fuzz/corpus/NAME (seeds kept). Findings (crash-*, leak-*,
# timeout-*, oom-*) are left in build-fuzz/findings/NAME/: replay one with
# build-fuzz/fuzz/fuzz-NAME FILE, fix it, and add it to fuzz/corpus/NAME
# as a regression input (meson test replays every corpus input).
# Usage: scripts/fuzz-long.sh [SECONDS] [JOBS] [TARGET...]
set -u
cd "$(dirname "$0")/.."
secs=${1:-1800}
jobs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
    targets=($(sed -n "s/^  '\([a-z]*\)': \[.*/\1/p" fuzz/meson.build))
fi
if [ ! -d build-fuzz ]; then
    CC=clang CXX=clang++ meson setup build-fuzz --wrap-mode=nodownload -Dfuzzing=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C build-fuzz >/dev/null || exit 1
# allocator_release_to_os_interval_ms=-1: ASan's periodic madvise() of
# freed memory has stalled for over 10 s on a loaded machine
export ASAN_OPTIONS=detect_leaks=1:allocator_release_to_os_interval_ms=-1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

one() {
    local name=$1 out=build-fuzz/findings/$1 start end left
    mkdir -p "$out" "build-fuzz/grown/$name"
    start=$(date +%s)
    end=$((start + secs))
    while left=$((end - $(date +%s))) && [ "$left" -gt 5 ]; do
        # -timeout=30: on a loaded shared machine 10 s stalls happen in
        # the allocator, not in the target
        build-fuzz/fuzz/fuzz-"$name" -max_total_time="$left" -timeout=30 -rss_limit_mb=2048 \
            -artifact_prefix="$out/" -print_final_stats=1 "build-fuzz/grown/$name" "fuzz/corpus/$name" \
            >>"$out/log" 2>&1
    done
    echo "$name: $(( $(date +%s) - start )) s, $(grep -c '^==.*ERROR' "$out/log") findings," \
         "$(grep -h 'stat::number_of_executed_units' "$out/log" | awk '{s += $2} END {print s}') runs"
}

running=0
for t in "${targets[@]}"; do
    one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

# -merge=1 into the committed corpus: only inputs that add coverage are
# added (named by their SHA-1), the seeds stay as they are
for t in "${targets[@]}"; do
    build-fuzz/fuzz/fuzz-"$t" -merge=1 "fuzz/corpus/$t" "build-fuzz/grown/$t" >/dev/null 2>&1
    echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) inputs, $(du -sk "fuzz/corpus/$t" | cut -f1) KiB"
done
