/* Included once per instruction set by the isa_*.c files, after they define CK_VARIANT (the name suffix) and
 * CK_FUSED (whether the target has FMA) and push the matching target attribute over every function. */
#include "vectors.h"

#define CK_CAT2(a, b) a##_##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#define CK_NAME(name) CK_CAT(name, CK_VARIANT)

/* The only place the variants may differ: a fused multiply-add where the CPU has one. */
#if CK_FUSED
#define MADD(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

#include "exp.h"
#include "activations.h"
#include "norms.h"
#include "elementwise.h"
#include "resample.h"
