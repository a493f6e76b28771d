/* The public entry points: each lowers the requested instruction set to what the CPU has and calls that
 * variant (compiled from the same source by isa_*.c). */
#include "CKernels.h"

#define CK_PROTOTYPES(v)                                                                                          \
    void ck_exp_##v(const float *x, float *y, size_t n);                                                          \
    void ck_gelu_tanh_##v(float *x, size_t n);                                                                    \
    void ck_gelu_tanh_backward_##v(const float *x, float *g, size_t n);                                           \
    void ck_softmax_rows_##v(float *x, int rows, int columns, int stride);                                        \
    void ck_softmax_backward_rows_##v(const float *p, float *g, int rows, int columns);                           \
    void ck_row_moments_##v(const float *x, int n, float eps, float *mean, float *inverse_std);                   \
    void ck_layer_norm_rows_##v(const float *x, float *y, int rows, int n, const float *weight, const float *bias, \
                                float eps);                                                                       \
    void ck_layer_norm_backward_row_##v(const float *x, const float *dy, const float *weight, int n, float mean,  \
                                        float inverse_std, float *dx);                                            \
    void ck_layer_norm_parameter_grads_##v(const float *x, const float *dy, int n, float mean, float inverse_std, \
                                           float *weight_grad, float *bias_grad);                                 \
    void ck_add_##v(float *y, const float *x, size_t n);                                                          \
    void ck_axpy_##v(float *y, float a, const float *x, size_t n);                                                \
    void ck_adamw_##v(float *p, const float *g, float *m, float *v, size_t n, float decay, float keep1,           \
                      float beta2, float keep2, float step_size, float correction2_root, float epsilon);          \
    void ck_resample_horizontal_##v(const uint8_t *src, int width, int height, uint8_t *dst, int out_width,       \
                                    const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights,       \
                                    int taps, int precision_bits, uint8_t *scratch);                              \
    void ck_resample_vertical_##v(const uint8_t *src, int row_bytes, uint8_t *dst, int out_height,                \
                                  const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights,         \
                                  int taps, int precision_bits);

CK_PROTOTYPES(baseline)
#if defined(__x86_64__)
CK_PROTOTYPES(avx2)
CK_PROTOTYPES(avx512)
#define DISPATCH(name, ...)                                                                                        \
    do {                                                                                                           \
        int best = ck_isa_detected();                                                                              \
        switch (isa < best ? isa : best) {                                                                         \
        case CK_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                                                    \
        case CK_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                                                        \
        default: name##_baseline(__VA_ARGS__); return;                                                             \
        }                                                                                                          \
    } while (0)
#else
#define DISPATCH(name, ...) do { (void)isa; name##_baseline(__VA_ARGS__); return; } while (0)
#endif

void ck_exp(int isa, const float *x, float *y, size_t n) { DISPATCH(ck_exp, x, y, n); }

void ck_gelu_tanh(int isa, float *x, size_t n) { DISPATCH(ck_gelu_tanh, x, n); }

void ck_gelu_tanh_backward(int isa, const float *x, float *g, size_t n) { DISPATCH(ck_gelu_tanh_backward, x, g, n); }

void ck_softmax_rows(int isa, float *x, int rows, int columns, int stride) {
    DISPATCH(ck_softmax_rows, x, rows, columns, stride);
}

void ck_softmax_backward_rows(int isa, const float *p, float *g, int rows, int columns) {
    DISPATCH(ck_softmax_backward_rows, p, g, rows, columns);
}

void ck_row_moments(int isa, const float *x, int n, float eps, float *mean, float *inverse_std) {
    DISPATCH(ck_row_moments, x, n, eps, mean, inverse_std);
}

void ck_layer_norm_rows(int isa, const float *x, float *y, int rows, int n, const float *weight, const float *bias,
                        float eps) {
    DISPATCH(ck_layer_norm_rows, x, y, rows, n, weight, bias, eps);
}

void ck_layer_norm_backward_row(int isa, const float *x, const float *dy, const float *weight, int n, float mean,
                                float inverse_std, float *dx) {
    DISPATCH(ck_layer_norm_backward_row, x, dy, weight, n, mean, inverse_std, dx);
}

void ck_layer_norm_parameter_grads(int isa, const float *x, const float *dy, int n, float mean, float inverse_std,
                                   float *weight_grad, float *bias_grad) {
    DISPATCH(ck_layer_norm_parameter_grads, x, dy, n, mean, inverse_std, weight_grad, bias_grad);
}

void ck_add(int isa, float *y, const float *x, size_t n) { DISPATCH(ck_add, y, x, n); }

void ck_axpy(int isa, float *y, float a, const float *x, size_t n) { DISPATCH(ck_axpy, y, a, x, n); }

void ck_adamw(int isa, float *p, const float *g, float *m, float *v, size_t n, float decay, float keep1, float beta2,
              float keep2, float step_size, float correction2_root, float epsilon) {
    DISPATCH(ck_adamw, p, g, m, v, n, decay, keep1, beta2, keep2, step_size, correction2_root, epsilon);
}

void ck_resample_horizontal(int isa, const uint8_t *src, int width, int height, uint8_t *dst, int out_width,
                            const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                            int precision_bits, uint8_t *scratch) {
    DISPATCH(ck_resample_horizontal, src, width, height, dst, out_width, start, count, weights, taps, precision_bits,
             scratch);
}

void ck_resample_vertical(int isa, const uint8_t *src, int row_bytes, uint8_t *dst, int out_height,
                          const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                          int precision_bits) {
    DISPATCH(ck_resample_vertical, src, row_bytes, dst, out_height, start, count, weights, taps, precision_bits);
}
