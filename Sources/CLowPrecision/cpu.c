#include "CLowPrecision.h"

/* The kernels are compiled with per-function target attributes, so the library itself needs no
 * CPU flags; these checks decide at run time whether they may be called. */

static int detect_bf16(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

static int detect_vnni(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

/* Cached: the kernels ask on every call. -1 = not yet known. */
static int has_bf16 = -1, has_vnni = -1;

int lowp_cpu_has_bf16(void) {
    if (has_bf16 < 0) has_bf16 = detect_bf16();
    return has_bf16;
}

int lowp_cpu_has_vnni(void) {
    if (has_vnni < 0) has_vnni = detect_vnni();
    return has_vnni;
}
