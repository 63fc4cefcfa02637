/* lib/histogram.h: fixed-bucket histograms of durations, for metrics.
 *
 * A 'struct histogram' counts durations in microseconds into
 * HISTOGRAM_N_BOUNDS buckets with the upper bounds
 * histogram_bounds_us[], plus one for anything longer, and keeps their
 * sum.  The bounds are the same for every histogram (5 us to 5 s), so
 * that upcall handling (microseconds) and revalidation passes
 * (milliseconds) both fall inside them.
 *
 * Thread-safety: none of its own; the owner serializes histogram_add()
 * and copies (udpif does it under its stats mutex). */
#ifndef NFVS_HISTOGRAM_H
#define NFVS_HISTOGRAM_H 1

#include <stdint.h>

#define HISTOGRAM_N_BOUNDS 18

/* Upper bounds of the buckets, in microseconds, ascending. */
extern const uint64_t histogram_bounds_us[HISTOGRAM_N_BOUNDS];

struct histogram {
    uint64_t buckets[HISTOGRAM_N_BOUNDS + 1]; /* Not cumulative: bucket 'i'
                                               * counts durations above
                                               * bound 'i - 1' up to bound
                                               * 'i'; the last one those
                                               * above every bound. */
    uint64_t count;             /* Durations added. */
    uint64_t sum_us;            /* Their sum, microseconds. */
};

/* Counts one duration of 'us' microseconds in 'h'. */
void histogram_add(struct histogram *h, uint64_t us);

#endif /* histogram.h */
