/* The kernels for AVX-512 Foundation (Skylake-SP, Zen 4 and later): one register per 16 lanes. */
#if defined(__x86_64__)
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#pragma STDC FP_CONTRACT OFF
#pragma clang diagnostic ignored "-Wpsabi"

#define CK_VARIANT avx512
#define CK_FUSED 1
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#include "variant.h"
#pragma clang attribute pop
#endif
