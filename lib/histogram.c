#include <config.h>
#include "histogram.h"

const uint64_t histogram_bounds_us[HISTOGRAM_N_BOUNDS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
    100000, 250000, 500000, 1000000, 5000000,
};

void
histogram_add(struct histogram *h, uint64_t us)
{
    unsigned int lo = 0, hi = HISTOGRAM_N_BOUNDS;

    /* The first bound >= 'us', or HISTOGRAM_N_BOUNDS. */
    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (histogram_bounds_us[mid] < us) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    h->buckets[lo]++;
    h->count++;
    h->sum_us += us;
}
