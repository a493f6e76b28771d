#ifndef CLOWPRECISION_H
#define CLOWPRECISION_H

#include <stddef.h>
#include <stdint.h>

/* Low-precision matrix products for y = x·Wᵀ with W in the PyTorch [n, k] layout.
 *
 * Weights are packed once into panels of LOWP_PANEL output columns; within a panel, each step of the
 * reduction holds LOWP_PANEL groups of consecutive k values (2 bf16 or 4 int8), which is the operand
 * layout of vdpbf16ps / vpdpbusd. Activations stay row-major (bf16 or u8, rows padded to the group),
 * so one 32-bit broadcast of a row gives a whole group. Each call is single-threaded; the caller splits
 * rows or columns across threads. `use_isa` = 0 forces the portable C loops (same layout, same maths). */

#define LOWP_PANEL 32

/* Whether this CPU runs the AVX-512 BF16 / AVX-512 VNNI kernels. */
int lowp_cpu_has_bf16(void);
int lowp_cpu_has_vnni(void);

/* k rounded up to the bf16 pair (2) or the int8 quad (4). */
int lowp_bf16_padded_k(int k);
int lowp_s8_padded_k(int k);

/* Number of uint16 (bf16) or bytes (int8) a packed [n, k] weight occupies. */
size_t lowp_bf16_packed_count(int n, int k);
size_t lowp_s8_packed_count(int n, int k);

/* Rounds w [n, k] to bf16 (nearest even) into the panel layout. */
void lowp_bf16_pack(const float *w, int n, int k, uint16_t *packed);

/* Rounds `rows` rows of x (row stride ldx floats) to bf16, each padded with zeros to `ldo` elements. */
void lowp_bf16_rows(const float *x, int rows, int k, int ldx, uint16_t *out, int ldo, int use_isa);

/* c[r, j] = (accumulate ? c[r, j] : 0) + bias[j] + Σ_k a[r, k]·w[j, k] for r < m and c0 <= j < c1.
 * a: m rows of bf16 with stride lda (>= padded k); c: row stride ldc, column j at c[j]; bias may be NULL. */
void lowp_bf16_gemm(int m, int c0, int c1, int k, const uint16_t *a, int lda, const uint16_t *packed,
                    const float *bias, float *c, int ldc, int accumulate, int use_isa);

/* Symmetric per-output-channel int8: w[j, :] ≈ scale[j] · q[j, :], q in [-127, 127].
 * Writes the packed q, the scales and each channel's Σ q (for the activations' zero point). */
void lowp_s8_pack(const float *w, int n, int k, int8_t *packed, float *scale, int32_t *column_sum);

/* Asymmetric per-row u8: x[r, :] ≈ scale[r] · (q[r, :] − zero[r]); the range always includes 0.
 * Rows are padded with zeros to `ldo` bytes. */
void lowp_u8_rows(const float *x, int rows, int k, int ldx, uint8_t *out, int ldo, float *scale, int32_t *zero,
                  int use_isa);

/* c[r, j] = (accumulate ? c[r, j] : 0) + bias[j] + a_scale[r]·w_scale[j]·Σ_k (a[r, k] − a_zero[r])·q[j, k]
 * (bias may be NULL). */
void lowp_s8_gemm(int m, int c0, int c1, int k, const uint8_t *a, int lda, const float *a_scale,
                  const int32_t *a_zero, const int8_t *packed, const float *w_scale, const int32_t *column_sum,
                  const float *bias, float *c, int ldc, int accumulate, int use_isa);

#endif
