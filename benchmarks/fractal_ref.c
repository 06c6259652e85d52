/* The C reference for benchmarks/fractal.py: one SGD chain on the seed's three samples, histogrammed.
   Same update (w <- w - lr (x_i.w - y_i) x_i), same window binning, one thread, xorshift RNG. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t s = 0x9E3779B97F4A7C15ull;
static inline uint64_t next(void) { s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return s * 2685821657736338717ull; }

int main(int argc, char **argv) {
    long long n = argc > 1 ? atoll(argv[1]) : 10000000LL;
    int R = argc > 2 ? atoi(argv[2]) : 1000;
    double lr = argc > 3 ? atof(argv[3]) : 0.65;
    const double x0[3] = {0, 1, 1}, x1[3] = {1, 0.5, -0.5}, y[3] = {0, 4, 0};
    double lx0[3], lx1[3], ly[3];
    for (int i = 0; i < 3; i++) { lx0[i] = lr * x0[i]; lx1[i] = lr * x1[i]; ly[i] = lr * y[i]; }
    /* the window is the triangle's box with a margin, as gdcli's default */
    double wx0 = -0.3, wx1 = 4.3, wy0 = -0.3, wy1 = 4.3;
    double sx = R / (wx1 - wx0), sy = R / (wy1 - wy0);
    uint32_t *counts = calloc((size_t)R * R, sizeof *counts);
    double w0 = 0, w1 = 0;
    for (int t = 0; t < 1000; t++) {  /* burn-in */
        int i = (int)(((next() >> 32) * 3) >> 32);
        double r = lx0[i] * w0 + lx1[i] * w1 - ly[i];
        w0 -= r * x0[i]; w1 -= r * x1[i];
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long long outside = 0;
    for (long long t = 0; t < n; t++) {
        int i = (int)(((next() >> 32) * 3) >> 32);
        double r = lx0[i] * w0 + lx1[i] * w1 - ly[i];
        w0 -= r * x0[i]; w1 -= r * x1[i];
        double u = (w0 - wx0) * sx, v = (w1 - wy0) * sy;
        if (u >= 0 && u < R && v >= 0 && v < R) counts[(int)v * R + (int)u]++; else outside++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
    long long inside = 0;
    for (long long k = 0; k < (long long)R * R; k++) inside += counts[k];
    printf("%lld %.6f %lld %lld\n", n, secs, inside, outside);
    free(counts);
    return 0;
}
