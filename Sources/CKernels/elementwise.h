void CK_NAME(ck_add)(float *y, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) STORE(y + i, LOAD(y + i) + LOAD(x + i));
    for (; i < n; i++) y[i] += x[i];
}

void CK_NAME(ck_axpy)(float *y, float a, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) STORE(y + i, MADD((f32x16)a, LOAD(x + i), LOAD(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

/* Decay, both moments and the step in one pass, in sixteen lanes. */
void CK_NAME(ck_adamw)(float *p, const float *g, float *m, float *v, size_t n, float decay, float keep1, float beta2,
                       float keep2, float step_size, float correction2_root, float epsilon) {
    const int decays = decay != 1.0f;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        f32x16 gi = LOAD(g + i), pi = LOAD(p + i), mi = LOAD(m + i), vi = LOAD(v + i);
        if (decays) pi = pi * decay;
        mi = mi + keep1 * (gi - mi);
        vi = vi * beta2 + keep2 * gi * gi;
        pi = pi - step_size * mi / (__builtin_elementwise_sqrt(vi) / correction2_root + epsilon);
        STORE(p + i, pi);
        STORE(m + i, mi);
        STORE(v + i, vi);
    }
    for (; i < n; i++) {
        float gi = g[i];
        if (decays) p[i] *= decay;
        m[i] += keep1 * (gi - m[i]);
        v[i] = v[i] * beta2 + keep2 * gi * gi;
        p[i] -= step_size * m[i] / (__builtin_sqrtf(v[i]) / correction2_root + epsilon);
    }
}
