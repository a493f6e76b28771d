#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "panels.h"

#define VNNI_ISA __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

int lowp_s8_padded_k(int k) { return (k + 3) & ~3; }

size_t lowp_s8_packed_count(int n, int k) {
    size_t panels = (size_t)(n + LOWP_PANEL - 1) / LOWP_PANEL;
    return panels * (size_t)lowp_s8_padded_k(k) * LOWP_PANEL;
}

void lowp_s8_pack(const float *w, int n, int k, int8_t *packed, float *scale, int32_t *column_sum) {
    int quads = lowp_s8_padded_k(k) / 4, panels = (n + LOWP_PANEL - 1) / LOWP_PANEL;
    memset(packed, 0, lowp_s8_packed_count(n, k));
    for (int col = 0; col < n; col++) {
        const float *row = w + (size_t)col * k;
        float peak = 0;
        for (int i = 0; i < k; i++) peak = fmaxf(peak, fabsf(row[i]));
        float s = peak > 0 ? peak / 127.0f : 1.0f;
        scale[col] = s;
        int p = col / LOWP_PANEL, j = col % LOWP_PANEL;
        int8_t *panel = packed + (size_t)p * quads * LOWP_PANEL * 4;
        int32_t sum = 0;
        for (int i = 0; i < k; i++) {
            float q = nearbyintf(row[i] / s);
            int v = (int)fminf(fmaxf(q, -127.0f), 127.0f);
            panel[((size_t)(i / 4) * LOWP_PANEL + j) * 4 + i % 4] = (int8_t)v;
            sum += v;
        }
        column_sum[col] = sum;
    }
    (void)panels;
}

/* Range, scale and zero point of one row; the range includes 0 so that zero padding is exact. */
static inline void row_params(float lo, float hi, float *scale, int32_t *zero) {
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    float s = (hi - lo) / 255.0f;
    if (!(s > 0) || !isfinite(s)) { *scale = 1.0f; *zero = 0; return; }
    float z = nearbyintf(-lo / s);
    *scale = s;
    *zero = (int32_t)fminf(fmaxf(z, 0.0f), 255.0f);
}

#if defined(__x86_64__)
VNNI_ISA static void u8_rows_isa(const float *x, int rows, int k, int ldx, uint8_t *out, int ldo, float *scale, int32_t *zero) {
    for (int r = 0; r < rows; r++) {
        const float *src = x + (size_t)r * ldx;
        uint8_t *dst = out + (size_t)r * ldo;
        __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
        int i = 0;
        for (; i + 16 <= k; i += 16) {
            __m512 v = _mm512_loadu_ps(src + i);
            vlo = _mm512_min_ps(vlo, v);
            vhi = _mm512_max_ps(vhi, v);
        }
        float lo = _mm512_reduce_min_ps(vlo), hi = _mm512_reduce_max_ps(vhi);
        for (int t = i; t < k; t++) { lo = fminf(lo, src[t]); hi = fmaxf(hi, src[t]); }
        row_params(lo, hi, &scale[r], &zero[r]);
        __m512 vs = _mm512_set1_ps(scale[r]), vz = _mm512_set1_ps((float)zero[r]);
        __m512 top = _mm512_set1_ps(255.0f), bottom = _mm512_setzero_ps();
        for (i = 0; i + 16 <= k; i += 16) {
            __m512 q = _mm512_roundscale_ps(_mm512_div_ps(_mm512_loadu_ps(src + i), vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            q = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(q, vz), bottom), top);
            _mm_storeu_si128((__m128i *)(dst + i), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(q)));
        }
        for (; i < k; i++) {
            float q = fminf(fmaxf(nearbyintf(src[i] / scale[r]) + (float)zero[r], 0.0f), 255.0f);
            dst[i] = (uint8_t)q;
        }
        for (; i < ldo; i++) dst[i] = 0;
    }
}
#endif

void lowp_u8_rows(const float *x, int rows, int k, int ldx, uint8_t *out, int ldo, float *scale, int32_t *zero,
                  int use_isa) {
#if defined(__x86_64__)
    if (use_isa && lowp_cpu_has_vnni()) { u8_rows_isa(x, rows, k, ldx, out, ldo, scale, zero); return; }
#endif
    for (int r = 0; r < rows; r++) {
        const float *src = x + (size_t)r * ldx;
        float lo = 0, hi = 0;
        for (int i = 0; i < k; i++) { lo = fminf(lo, src[i]); hi = fmaxf(hi, src[i]); }
        row_params(lo, hi, &scale[r], &zero[r]);
        int i = 0;
        for (; i < k; i++) {
            float q = fminf(fmaxf(nearbyintf(src[i] / scale[r]) + (float)zero[r], 0.0f), 255.0f);
            out[(size_t)r * ldo + i] = (uint8_t)q;
        }
        for (; i < ldo; i++) out[(size_t)r * ldo + i] = 0;
    }
}

/* MR rows × 32 columns of u8·s8 sums in int32, then the zero-point correction and both scales. */
#if defined(__x86_64__)
VNNI_ISA static void block_isa(const uint8_t *a, int lda, int rows, int quads, const int8_t *panel,
                               const float *a_scale, const int32_t *a_zero, const float *w_scale,
                               const int32_t *column_sum, const float *bias, float *c, int ldc, uint32_t mask,
                               int accumulate) {
    const uint32_t *ar[LOWP_MR];
    for (int r = 0; r < LOWP_MR; r++) ar[r] = (const uint32_t *)(a + (size_t)lowp_min(r, rows - 1) * lda);
    __m512i acc[LOWP_MR][2];
    for (int r = 0; r < LOWP_MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    for (int kk = 0; kk < quads; kk++) {
        __m512i b0 = _mm512_loadu_si512((const void *)(panel + (size_t)kk * 128));
        __m512i b1 = _mm512_loadu_si512((const void *)(panel + (size_t)kk * 128 + 64));
        for (int r = 0; r < LOWP_MR; r++) {
            __m512i av = _mm512_set1_epi32((int)ar[r][kk]);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, b1);
        }
    }
    __mmask16 m0 = (__mmask16)(mask & 0xffff), m1 = (__mmask16)(mask >> 16);
    __m512i cs0 = _mm512_maskz_loadu_epi32(m0, column_sum), cs1 = _mm512_maskz_loadu_epi32(m1, column_sum + 16);
    __m512 ws0 = _mm512_maskz_loadu_ps(m0, w_scale), ws1 = _mm512_maskz_loadu_ps(m1, w_scale + 16);
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *row = c + (size_t)r * ldc;
        __m512i z = _mm512_set1_epi32(a_zero[r]);
        __m512 s = _mm512_set1_ps(a_scale[r]);
        __m512 v0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], _mm512_mullo_epi32(z, cs0)));
        __m512 v1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], _mm512_mullo_epi32(z, cs1)));
        v0 = _mm512_add_ps(_mm512_mul_ps(v0, _mm512_mul_ps(s, ws0)), bias0);
        v1 = _mm512_add_ps(_mm512_mul_ps(v1, _mm512_mul_ps(s, ws1)), bias1);
        lowp_store_row(row, mask, v0, v1, accumulate);
    }
}
#endif

/* The same integer sums and the same float epilogue in portable C (separate statements, so the
 * compiler does not contract them into a fused multiply-add the vector path does not use). */
static void block_portable(const uint8_t *a, int lda, int rows, int quads, const int8_t *panel,
                           const float *a_scale, const int32_t *a_zero, const float *w_scale,
                           const int32_t *column_sum, const float *bias, float *c, int ldc, uint32_t mask,
                           int accumulate) {
    int32_t acc[LOWP_MR][LOWP_PANEL];
    memset(acc, 0, sizeof acc);
    for (int r = 0; r < rows; r++) {
        const uint8_t *ar = a + (size_t)r * lda;
        for (int kk = 0; kk < quads; kk++) {
            const int8_t *b = panel + (size_t)kk * 128;
            for (int j = 0; j < LOWP_PANEL; j++)
                for (int e = 0; e < 4; e++) acc[r][j] += (int32_t)ar[4 * kk + e] * (int32_t)b[4 * j + e];
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < LOWP_PANEL; j++) {
            if (!(mask >> j & 1)) continue;
            float scale = a_scale[r] * w_scale[j];
            float v = (float)(acc[r][j] - a_zero[r] * column_sum[j]);
            v = v * scale;
            v = v + (bias ? bias[j] : 0.0f);
            float *out = &c[(size_t)r * ldc + j];
            if (accumulate) { float old = *out; v = v + old; }
            *out = v;
        }
}

void lowp_s8_gemm(int m, int c0, int c1, int k, const uint8_t *a, int lda, const float *a_scale,
                  const int32_t *a_zero, const int8_t *packed, const float *w_scale, const int32_t *column_sum,
                  const float *bias, float *c, int ldc, int accumulate, int use_isa) {
    int quads = lowp_s8_padded_k(k) / 4;
    size_t panel_size = (size_t)quads * LOWP_PANEL * 4;
    int block = lowp_block_rows((size_t)lda);
    int isa = use_isa && lowp_cpu_has_vnni();
    for (int i0 = 0; i0 < m; i0 += block) {
        int i1 = lowp_min(m, i0 + block);
        for (int p = c0 / LOWP_PANEL; p * LOWP_PANEL < c1; p++) {
            uint32_t mask = lowp_panel_mask(p, c0, c1);
            const int8_t *panel = packed + (size_t)p * panel_size;
            int col = p * LOWP_PANEL;
            for (int i = i0; i < i1; i += LOWP_MR) {
                int rows = lowp_min(LOWP_MR, i1 - i);
                float *cp = c + (size_t)i * ldc + col;
#if defined(__x86_64__)
                if (isa)
                    block_isa(a + (size_t)i * lda, lda, rows, quads, panel, a_scale + i, a_zero + i,
                              w_scale + col, column_sum + col, bias ? bias + col : NULL, cp, ldc, mask, accumulate);
                else
#endif
                    block_portable(a + (size_t)i * lda, lda, rows, quads, panel, a_scale + i, a_zero + i,
                                   w_scale + col, column_sum + col, bias ? bias + col : NULL, cp, ldc, mask, accumulate);
            }
        }
    }
}
