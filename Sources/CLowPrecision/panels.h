#ifndef LOWP_PANELS_H
#define LOWP_PANELS_H

#include "CLowPrecision.h"

/* Rows per micro-kernel call (MR) and per cache block (the block's activations stay in L2 while
 * every weight panel streams past them once). */
#define LOWP_MR 8
#define LOWP_BLOCK_BYTES (384 * 1024)

static inline int lowp_min(int a, int b) { return a < b ? a : b; }
static inline int lowp_max(int a, int b) { return a > b ? a : b; }

/* Bit j set when column p·32 + j lies in [c0, c1). */
static inline uint32_t lowp_panel_mask(int p, int c0, int c1) {
    int lo = lowp_max(c0 - p * LOWP_PANEL, 0), hi = lowp_min(c1 - p * LOWP_PANEL, LOWP_PANEL);
    if (hi <= lo) return 0;
    uint32_t upper = hi == 32 ? 0xffffffffu : ((1u << hi) - 1);
    return upper & ~((1u << lo) - 1);
}

/* Rows of a block so that `rows × row_bytes` fits the L2 budget, a multiple of MR. */
static inline int lowp_block_rows(size_t row_bytes) {
    int rows = (int)(LOWP_BLOCK_BYTES / (row_bytes ? row_bytes : 1));
    rows = rows / LOWP_MR * LOWP_MR;
    return rows < LOWP_MR ? LOWP_MR : rows;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Stores one row of a 32-column tile under the column mask, adding what the row held when accumulating. */
__attribute__((target("avx512f"))) static inline void lowp_store_row(float *row, uint32_t mask, __m512 v0, __m512 v1,
                                                                     int accumulate) {
    __mmask16 m0 = (__mmask16)(mask & 0xffff), m1 = (__mmask16)(mask >> 16);
    if (accumulate) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
}
#endif

#endif
