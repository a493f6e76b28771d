#ifndef CKERNELS_VECTORS_H
#define CKERNELS_VECTORS_H

#include <stdint.h>

/* Sixteen lanes whatever the instruction set: one AVX-512 register, two AVX2 registers or four SSE2 ones.
 * Every operation on them is lane-wise IEEE arithmetic, so each variant computes the same numbers. */
typedef float f32x16 __attribute__((ext_vector_type(16)));
typedef int32_t i32x16 __attribute__((ext_vector_type(16)));
typedef uint32_t u32x16 __attribute__((ext_vector_type(16)));
typedef uint8_t u8x16 __attribute__((ext_vector_type(16)));

/* The same types with byte alignment, for loads and stores at any address. */
typedef float f32x16_unaligned __attribute__((ext_vector_type(16), aligned(1), may_alias));
typedef uint8_t u8x16_unaligned __attribute__((ext_vector_type(16), aligned(1), may_alias));

#define LOAD(p) (*(const f32x16_unaligned *)(p))
#define STORE(p, v) (*(f32x16_unaligned *)(p) = (v))
#define LOAD_U8(p) (*(const u8x16_unaligned *)(p))
#define STORE_U8(p, v) (*(u8x16_unaligned *)(p) = (v))

#endif
