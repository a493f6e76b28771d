#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Vector kernels over float rows and 8-bit images, each compiled three times: for AVX-512, for AVX2 with FMA,
 * and for the baseline of the architecture (SSE2 on x86-64). Every function takes the instruction set to run
 * with; a request above what this CPU has is lowered to the best it has, so no call can fault.
 *
 * Arithmetic is the same in every variant, lane for lane; the only difference is that the x86-64 baseline computes
 * the explicit fused multiply-adds as a product and a sum (it has no FMA unit, and a library fmaf per lane is
 * two orders of magnitude slower). Reductions keep 16 partial sums, added in lane order. */

/* The instruction sets, in increasing order. */
enum { CK_ISA_BASELINE = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2 };

/* The best instruction set this CPU (and its operating system) runs. */
int ck_isa_detected(void);

/* The detected set, or a lower one named by SIGLIP_KERNEL_ISA=baseline|avx2 in the environment (to test or time
 * the other variants; a higher request than the CPU's is ignored). */
int ck_isa_selected(void);

/* y[i] = e^x[i] (a Cody–Waite reduction and a degree-6 polynomial, within 2 ulp of expf over the normal
 * range; inputs are clamped to [-87.34, 88.38]). x and y may be the same array. */
void ck_exp(int isa, const float *x, float *y, size_t n);

/* x[i] = x[i]·σ(2u), u = √(2/π)·(x + 0.044715·x³): tanh-GELU in place. */
void ck_gelu_tanh(int isa, float *x, size_t n);

/* g[i] *= d/dx tanh-GELU at x[i]. */
void ck_gelu_tanh_backward(int isa, const float *x, float *g, size_t n);

/* Each row (stride floats apart) of `columns` values replaced by its softmax, in place. */
void ck_softmax_rows(int isa, float *x, int rows, int columns, int stride);

/* For rows of probabilities p and gradients g (dense, `columns` wide): g = p ⊙ (g − Σ p⊙g), in place. */
void ck_softmax_backward_rows(int isa, const float *p, float *g, int rows, int columns);

/* Mean and 1/√(biased variance + eps) of n values (two passes). */
void ck_row_moments(int isa, const float *x, int n, float eps, float *mean, float *inverse_std);

/* y[r] = (x[r] − mean)·inverse_std·weight + bias for `rows` dense rows of n values. */
void ck_layer_norm_rows(int isa, const float *x, float *y, int rows, int n, const float *weight, const float *bias,
                        float eps);

/* For one row: dx += r·(dy·w − mean(dy·w) − x̂·mean(dy·w·x̂)) with x̂ = (x − mean)·r. */
void ck_layer_norm_backward_row(int isa, const float *x, const float *dy, const float *weight, int n, float mean,
                                float inverse_std, float *dx);

/* For n columns: weight_grad += dy·(x − mean)·inverse_std and bias_grad += dy (either may be NULL). */
void ck_layer_norm_parameter_grads(int isa, const float *x, const float *dy, int n, float mean, float inverse_std,
                                   float *weight_grad, float *bias_grad);

/* y[i] += x[i]. */
void ck_add(int isa, float *y, const float *x, size_t n);

/* y[i] += a·x[i] (fused). */
void ck_axpy(int isa, float *y, float a, const float *x, size_t n);

/* One AdamW step in place: p *= decay (when decay != 1), m += keep1·(g − m), v = v·beta2 + keep2·g·g,
 * p −= step_size·m / (√v / correction2_root + epsilon). */
void ck_adamw(int isa, float *p, const float *g, float *m, float *v, size_t n, float decay, float keep1, float beta2,
              float keep2, float step_size, float correction2_root, float epsilon);

/* Horizontal pass of an 8-bit separable resampling over `height` RGB rows of `width` pixels into `out_width`
 * pixels: output x sums count[x] taps from input pixel start[x] with fixed-point weights[x·taps + t] (plus
 * half of one, then an arithmetic shift by `precision_bits` and a clamp to a byte). `scratch` holds
 * 16·width bytes. */
void ck_resample_horizontal(int isa, const uint8_t *src, int width, int height, uint8_t *dst, int out_width,
                            const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                            int precision_bits, uint8_t *scratch);

/* Vertical pass of the same over rows of `row_bytes` bytes into `out_height` rows. */
void ck_resample_vertical(int isa, const uint8_t *src, int row_bytes, uint8_t *dst, int out_height,
                          const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                          int precision_bits);

#endif
