#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "panels.h"

#define BF16_ISA __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

int lowp_bf16_padded_k(int k) { return (k + 1) & ~1; }

size_t lowp_bf16_packed_count(int n, int k) {
    size_t panels = (size_t)(n + LOWP_PANEL - 1) / LOWP_PANEL;
    return panels * (size_t)lowp_bf16_padded_k(k) * LOWP_PANEL;
}

/* Round to nearest even, as PyTorch's float → bfloat16 conversion does; NaN stays a quiet NaN. */
static inline uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

static inline float from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

void lowp_bf16_pack(const float *w, int n, int k, uint16_t *packed) {
    int pairs = lowp_bf16_padded_k(k) / 2, panels = (n + LOWP_PANEL - 1) / LOWP_PANEL;
    for (int p = 0; p < panels; p++) {
        uint16_t *panel = packed + (size_t)p * pairs * LOWP_PANEL * 2;
        for (int kk = 0; kk < pairs; kk++) {
            for (int j = 0; j < LOWP_PANEL; j++) {
                int col = p * LOWP_PANEL + j;
                for (int e = 0; e < 2; e++) {
                    int kx = 2 * kk + e;
                    panel[((size_t)kk * LOWP_PANEL + j) * 2 + e] = (col < n && kx < k) ? to_bf16(w[(size_t)col * k + kx]) : 0;
                }
            }
        }
    }
}

#if defined(__x86_64__)
BF16_ISA static void rows_isa(const float *x, int rows, int k, int ldx, uint16_t *out, int ldo) {
    for (int r = 0; r < rows; r++) {
        const float *src = x + (size_t)r * ldx;
        uint16_t *dst = out + (size_t)r * ldo;
        int i = 0;
        for (; i + 32 <= k; i += 32) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
            _mm512_storeu_si512((void *)(dst + i), (__m512i)v);
        }
        for (; i < k; i++) dst[i] = to_bf16(src[i]);
        for (; i < ldo; i++) dst[i] = 0;
    }
}
#endif

void lowp_bf16_rows(const float *x, int rows, int k, int ldx, uint16_t *out, int ldo, int use_isa) {
#if defined(__x86_64__)
    if (use_isa && lowp_cpu_has_bf16()) { rows_isa(x, rows, k, ldx, out, ldo); return; }
#endif
    for (int r = 0; r < rows; r++) {
        int i = 0;
        for (; i < k; i++) out[(size_t)r * ldo + i] = to_bf16(x[(size_t)r * ldx + i]);
        for (; i < ldo; i++) out[(size_t)r * ldo + i] = 0;
    }
}

/* MR rows × 32 columns. Missing rows (rows < MR) re-read the last row and are not stored. */
#if defined(__x86_64__)
BF16_ISA static void block_isa(const uint16_t *a, int lda, int rows, int pairs, const uint16_t *panel,
                               const float *bias, float *c, int ldc, uint32_t mask, int accumulate) {
    const uint32_t *ar[LOWP_MR];
    for (int r = 0; r < LOWP_MR; r++) ar[r] = (const uint32_t *)(a + (size_t)lowp_min(r, rows - 1) * lda);
    __m512 acc[LOWP_MR][2];
    for (int r = 0; r < LOWP_MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int kk = 0; kk < pairs; kk++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)kk * 64));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)kk * 64 + 32));
        for (int r = 0; r < LOWP_MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)ar[r][kk]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
    }
    __mmask16 m0 = (__mmask16)(mask & 0xffff), m1 = (__mmask16)(mask >> 16);
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *row = c + (size_t)r * ldc;
        __m512 v0 = _mm512_add_ps(acc[r][0], bias0), v1 = _mm512_add_ps(acc[r][1], bias1);
        lowp_store_row(row, mask, v0, v1, accumulate);
    }
}
#endif

/* The same sums in portable C, in the instruction's order: the odd product, then the even one
 * (each bf16 product is exact in fp32, so only the additions round). */
static void block_portable(const uint16_t *a, int lda, int rows, int pairs, const uint16_t *panel,
                           const float *bias, float *c, int ldc, uint32_t mask, int accumulate) {
    float acc[LOWP_MR][LOWP_PANEL];
    memset(acc, 0, sizeof acc);
    for (int r = 0; r < rows; r++) {
        const uint16_t *ar = a + (size_t)r * lda;
        for (int kk = 0; kk < pairs; kk++) {
            float a0 = from_bf16(ar[2 * kk]), a1 = from_bf16(ar[2 * kk + 1]);
            const uint16_t *b = panel + (size_t)kk * 64;
            for (int j = 0; j < LOWP_PANEL; j++) {
                float odd = a1 * from_bf16(b[2 * j + 1]);
                float even = a0 * from_bf16(b[2 * j]);
                acc[r][j] += odd;
                acc[r][j] += even;
            }
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < LOWP_PANEL; j++)
            if (mask >> j & 1) {
                float v = acc[r][j] + (bias ? bias[j] : 0.0f);
                c[(size_t)r * ldc + j] = accumulate ? c[(size_t)r * ldc + j] + v : v;
            }
}

void lowp_bf16_gemm(int m, int c0, int c1, int k, const uint16_t *a, int lda, const uint16_t *packed,
                    const float *bias, float *c, int ldc, int accumulate, int use_isa) {
    int pairs = lowp_bf16_padded_k(k) / 2;
    size_t panel_size = (size_t)pairs * LOWP_PANEL * 2;
    int block = lowp_block_rows((size_t)lda * 2);
    int isa = use_isa && lowp_cpu_has_bf16();
    for (int i0 = 0; i0 < m; i0 += block) {
        int i1 = lowp_min(m, i0 + block);
        for (int p = c0 / LOWP_PANEL; p * LOWP_PANEL < c1; p++) {
            uint32_t mask = lowp_panel_mask(p, c0, c1);
            const uint16_t *panel = packed + (size_t)p * panel_size;
            for (int i = i0; i < i1; i += LOWP_MR) {
                int rows = lowp_min(LOWP_MR, i1 - i);
                float *cp = c + (size_t)i * ldc + (size_t)p * LOWP_PANEL;
                const float *bp = bias ? bias + (size_t)p * LOWP_PANEL : NULL;
#if defined(__x86_64__)
                if (isa) block_isa(a + (size_t)i * lda, lda, rows, pairs, panel, bp, cp, ldc, mask, accumulate);
                else
#endif
                block_portable(a + (size_t)i * lda, lda, rows, pairs, panel, bp, cp, ldc, mask, accumulate);
            }
        }
    }
}
