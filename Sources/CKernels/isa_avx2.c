/* The kernels for AVX2 with FMA (x86-64-v3: Haswell, Zen 1 and later). */
#if defined(__x86_64__)
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#pragma STDC FP_CONTRACT OFF
/* Vectors are passed only between inlined functions of one variant, so the ABI warning does not apply. */
#pragma clang diagnostic ignored "-Wpsabi"

#define CK_VARIANT avx2
#define CK_FUSED 1
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "variant.h"
#pragma clang attribute pop
#endif
