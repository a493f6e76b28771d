/* The kernels for any CPU of the architecture: SSE2 on x86-64, with no fused multiply-add. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#pragma STDC FP_CONTRACT OFF
/* Vectors are passed only between inlined functions of one variant, so the ABI warning does not apply. */
#pragma clang diagnostic ignored "-Wpsabi"

#define CK_VARIANT baseline
#if defined(__x86_64__)
#define CK_FUSED 0
#else
/* Other 64-bit architectures (arm64) have fused multiply-add in their baseline. */
#define CK_FUSED 1
#endif
#include "variant.h"
