/* Two passes in sixteen lanes: the mean, then the mean square deviation from it. */
void CK_NAME(ck_row_moments)(const float *x, int n, float eps, float *mean, float *inverse_std) {
    f32x16 lanes = 0.0f;
    int i = 0;
    for (; i + 16 <= n; i += 16) lanes += LOAD(x + i);
    float sum = lane_sum(lanes);
    for (; i < n; i++) sum += x[i];
    float mu = sum / (float)n;

    lanes = 0.0f;
    i = 0;
    for (; i + 16 <= n; i += 16) {
        f32x16 d = LOAD(x + i) - mu;
        lanes = MADD(d, d, lanes);
    }
    float squares = lane_sum(lanes);
    for (; i < n; i++) {
        float d = x[i] - mu;
        squares += d * d;
    }
    *mean = mu;
    *inverse_std = 1.0f / __builtin_sqrtf(squares / (float)n + eps);
}

void CK_NAME(ck_layer_norm_rows)(const float *x, float *y, int rows, int n, const float *weight, const float *bias,
                                 float eps) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * n;
        float *yr = y + (size_t)r * n;
        float mean, s;
        CK_NAME(ck_row_moments)(xr, n, eps, &mean, &s);
        int i = 0;
        for (; i + 16 <= n; i += 16) STORE(yr + i, MADD((LOAD(xr + i) - mean) * s, LOAD(weight + i), LOAD(bias + i)));
        for (; i < n; i++) yr[i] = (xr[i] - mean) * s * weight[i] + bias[i];
    }
}

void CK_NAME(ck_layer_norm_backward_row)(const float *x, const float *dy, const float *weight, int n, float mean,
                                         float inverse_std, float *dx) {
    f32x16 g_lanes = 0.0f, gx_lanes = 0.0f;
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        f32x16 gw = LOAD(dy + j) * LOAD(weight + j);
        g_lanes += gw;
        gx_lanes = MADD(gw, (LOAD(x + j) - mean) * inverse_std, gx_lanes);
    }
    float mean_g = lane_sum(g_lanes), mean_gx = lane_sum(gx_lanes);
    for (; j < n; j++) {
        float gw = dy[j] * weight[j];
        mean_g += gw;
        mean_gx += gw * ((x[j] - mean) * inverse_std);
    }
    mean_g /= (float)n;
    mean_gx /= (float)n;
    j = 0;
    for (; j + 16 <= n; j += 16) {
        f32x16 xhat = (LOAD(x + j) - mean) * inverse_std;
        STORE(dx + j, LOAD(dx + j) + inverse_std * (LOAD(dy + j) * LOAD(weight + j) - mean_g - xhat * mean_gx));
    }
    for (; j < n; j++) {
        float xhat = (x[j] - mean) * inverse_std;
        dx[j] += inverse_std * (dy[j] * weight[j] - mean_g - xhat * mean_gx);
    }
}

void CK_NAME(ck_layer_norm_parameter_grads)(const float *x, const float *dy, int n, float mean, float inverse_std,
                                            float *weight_grad, float *bias_grad) {
    int j = 0;
    if (weight_grad) {
        for (; j + 16 <= n; j += 16) STORE(weight_grad + j, LOAD(weight_grad + j) + LOAD(dy + j) * (LOAD(x + j) - mean) * inverse_std);
        for (; j < n; j++) weight_grad[j] += dy[j] * (x[j] - mean) * inverse_std;
    }
    if (bias_grad) {
        j = 0;
        for (; j + 16 <= n; j += 16) STORE(bias_grad + j, LOAD(bias_grad + j) + LOAD(dy + j));
        for (; j < n; j++) bias_grad[j] += dy[j];
    }
}
