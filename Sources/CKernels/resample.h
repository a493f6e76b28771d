/* Integer arithmetic wraps (u32) exactly as the fixed-point reference does; only the final shift is signed. */
static inline __attribute__((always_inline)) uint8_t clip8(int32_t acc, int precision_bits) {
    int32_t v = acc >> precision_bits;
    return v < 0 ? 0 : (v > 255 ? 255 : (uint8_t)v);
}

/* Four rows at a time: each source pixel of the four rows is packed into 16 bytes (RGBX per row), so each tap
 * is one 16-lane multiply-add. Lanes of missing rows in the last block keep stale bytes; they are never stored. */
void CK_NAME(ck_resample_horizontal)(const uint8_t *src, int width, int height, uint8_t *dst, int out_width,
                                     const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                                     int precision_bits, uint8_t *scratch) {
    const uint32_t half = 1u << (precision_bits - 1);
    for (int y0 = 0; y0 < height; y0 += 4) {
        int rows = height - y0 < 4 ? height - y0 : 4;
        for (int r = 0; r < rows; r++) {
            const uint8_t *row = src + (size_t)(y0 + r) * width * 3;
            for (int x = 0; x < width; x++) {
                scratch[16 * x + 4 * r] = row[3 * x];
                scratch[16 * x + 4 * r + 1] = row[3 * x + 1];
                scratch[16 * x + 4 * r + 2] = row[3 * x + 2];
            }
        }
        for (int x = 0; x < out_width; x++) {
            u32x16 acc = half;
            const uint8_t *s = scratch + start[x] * 16;
            const int32_t *w = weights + (size_t)x * taps;
            for (ptrdiff_t t = 0; t < count[x]; t++) {
                acc += __builtin_convertvector(LOAD_U8(s + 16 * t), u32x16) * (uint32_t)w[t];
            }
            for (int r = 0; r < rows; r++) {
                uint8_t *o = dst + ((size_t)(y0 + r) * out_width + x) * 3;
                o[0] = clip8((int32_t)acc[4 * r], precision_bits);
                o[1] = clip8((int32_t)acc[4 * r + 1], precision_bits);
                o[2] = clip8((int32_t)acc[4 * r + 2], precision_bits);
            }
        }
    }
}

/* Sixteen bytes of a row at a time, all taps applied in registers before the single store. */
void CK_NAME(ck_resample_vertical)(const uint8_t *src, int row_bytes, uint8_t *dst, int out_height,
                                   const ptrdiff_t *start, const ptrdiff_t *count, const int32_t *weights, int taps,
                                   int precision_bits) {
    const uint32_t half = 1u << (precision_bits - 1);
    const int vector_end = row_bytes - row_bytes % 16;
    for (int y = 0; y < out_height; y++) {
        const uint8_t *first = src + (size_t)start[y] * row_bytes;
        const int32_t *w = weights + (size_t)y * taps;
        const ptrdiff_t n = count[y];
        uint8_t *o = dst + (size_t)y * row_bytes;
        int i = 0;
        for (; i < vector_end; i += 16) {
            u32x16 acc = half;
            for (ptrdiff_t t = 0; t < n; t++) {
                acc += __builtin_convertvector(LOAD_U8(first + t * row_bytes + i), u32x16) * (uint32_t)w[t];
            }
            i32x16 v = (i32x16)acc >> precision_bits;
            v = __builtin_elementwise_max(__builtin_elementwise_min(v, (i32x16)255), (i32x16)0);
            STORE_U8(o + i, __builtin_convertvector(v, u8x16));
        }
        for (; i < row_bytes; i++) {
            uint32_t acc = half;
            for (ptrdiff_t t = 0; t < n; t++) acc += (uint32_t)first[t * row_bytes + i] * (uint32_t)w[t];
            o[i] = clip8((int32_t)acc, precision_bits);
        }
    }
}
