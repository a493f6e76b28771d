/* Sum of the sixteen lanes, in lane order. */
static inline __attribute__((always_inline)) float lane_sum(f32x16 v) {
    float s = -0.0f;
    for (int i = 0; i < 16; i++) s += v[i];
    return s;
}

static inline __attribute__((always_inline)) float lane_max(f32x16 v) {
    float m = v[0];
    for (int i = 1; i < 16; i++) m = __builtin_fmaxf(m, v[i]);
    return m;
}

/* Tanh-GELU written as x·σ(2u), because ½(1 + tanh u) = σ(2u): one exponential and no cancellation. */
void CK_NAME(ck_gelu_tanh)(float *x, size_t n) {
    const float c = -2.0f * 0.7978845608028654f, c3 = -2.0f * 0.7978845608028654f * 0.044715f;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        f32x16 v = LOAD(x + i);
        f32x16 minus2u = v * (c + c3 * v * v);
        STORE(x + i, v / (1.0f + exp16(minus2u)));
    }
    for (; i < n; i++) {
        float v = x[i];
        x[i] = v / (1.0f + expf(v * (c - 2.0f * 0.7978845608028654f * 0.044715f * v * v)));
    }
}

/* g *= d/dx [x·σ(2u)]: with s = σ(2u) the derivative is s + 2x·s·(1 − s)·c·(1 + 3·0.044715·x²). */
void CK_NAME(ck_gelu_tanh_backward)(const float *x, float *g, size_t n) {
    const float c = 0.7978845608028654f, a = 0.044715f;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        f32x16 v = LOAD(x + i);
        f32x16 v2 = v * v;
        f32x16 u = -2.0f * c * v * (1.0f + a * v2);
        f32x16 s = 1.0f / (1.0f + exp16(u));
        f32x16 slope = 2.0f * c * v * s * (1.0f - s) * (1.0f + 3.0f * a * v2);
        STORE(g + i, LOAD(g + i) * (s + slope));
    }
    for (; i < n; i++) {
        float v = x[i], v2 = v * v;
        float s = 1.0f / (1.0f + expf(-2.0f * c * v * (1.0f + a * v2)));
        g[i] *= s + 2.0f * v * s * (1.0f - s) * c * (1.0f + 3.0f * a * v2);
    }
}

void CK_NAME(ck_softmax_rows)(float *x, int rows, int columns, int stride) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * stride;
        f32x16 max_lanes = -__builtin_inff();
        int j = 0;
        for (; j + 16 <= columns; j += 16) max_lanes = __builtin_elementwise_max(max_lanes, LOAD(row + j));
        float max_value = lane_max(max_lanes);
        for (; j < columns; j++) max_value = __builtin_fmaxf(max_value, row[j]);
        f32x16 sums = 0.0f;
        j = 0;
        for (; j + 16 <= columns; j += 16) {
            f32x16 e = exp16(LOAD(row + j) - max_value);
            STORE(row + j, e);
            sums += e;
        }
        float sum = lane_sum(sums);
        for (; j < columns; j++) {
            row[j] = expf(row[j] - max_value);
            sum += row[j];
        }
        float inverse = 1.0f / sum;
        j = 0;
        for (; j + 16 <= columns; j += 16) STORE(row + j, LOAD(row + j) * inverse);
        for (; j < columns; j++) row[j] *= inverse;
    }
}

void CK_NAME(ck_softmax_backward_rows)(const float *p, float *g, int rows, int columns) {
    for (int r = 0; r < rows; r++) {
        const float *pr = p + (size_t)r * columns;
        float *gr = g + (size_t)r * columns;
        f32x16 lanes = 0.0f;
        int j = 0;
        for (; j + 16 <= columns; j += 16) lanes = MADD(LOAD(pr + j), LOAD(gr + j), lanes);
        float dot = lane_sum(lanes);
        for (; j < columns; j++) dot += pr[j] * gr[j];
        j = 0;
        for (; j + 16 <= columns; j += 16) STORE(gr + j, LOAD(pr + j) * (LOAD(gr + j) - dot));
        for (; j < columns; j++) gr[j] = pr[j] * (gr[j] - dot);
    }
}
