/* eˣ on sixteen lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial, within 2 ulp of expf over
 * the normal range. Inputs are clamped to [−87.3, 88.4], so very negative inputs give the smallest normal
 * float (≈1e-38) rather than 0, and the largest give ≈2.4e38 rather than +∞. */
static inline __attribute__((always_inline)) f32x16 exp16(f32x16 x) {
    f32x16 clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, (f32x16)-87.33654f), (f32x16)88.37626f);
    /* Adding 1.5·2²³ rounds to the nearest integer in the float unit and leaves that integer in the low
     * mantissa bits, so no float-to-int conversion is needed. */
    f32x16 shifted = clamped * 1.44269504088896341f + 12582912.0f;
    f32x16 n = shifted - 12582912.0f;
    f32x16 r = MADD(n, (f32x16)-0.693359375f, clamped);
    r = MADD(n, (f32x16)2.12194440e-4f, r);
    f32x16 p = MADD((f32x16)1.9875691500e-4f, r, (f32x16)1.3981999507e-3f);
    p = MADD(p, r, (f32x16)8.3334519073e-3f);
    p = MADD(p, r, (f32x16)4.1665795894e-2f);
    p = MADD(p, r, (f32x16)1.6666665459e-1f);
    p = MADD(p, r, (f32x16)5.0000001201e-1f);
    p = MADD(p, r * r, r + 1.0f);
    u32x16 integer = (u32x16)shifted - 0x4B400000u;
    return p * (f32x16)((integer + 127u) << 23);
}

/* Sixteen floats from p, or the first `count` of them and zeros. */
static inline __attribute__((always_inline)) f32x16 load_partial(const float *p, size_t count) {
    f32x16 v = 0.0f;
    for (size_t i = 0; i < count; i++) v[i] = p[i];
    return v;
}

void CK_NAME(ck_exp)(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) STORE(y + i, exp16(LOAD(x + i)));
    if (i < n) {
        f32x16 e = exp16(load_partial(x + i, n - i));
        for (size_t j = 0; i + j < n; j++) y[i + j] = e[j];
    }
}
