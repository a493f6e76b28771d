#include <stdlib.h>
#include <string.h>

#include "CKernels.h"

/* __builtin_cpu_supports also checks that the operating system saves the wider registers (XCR0), so an
 * AVX-512 CPU under a kernel or hypervisor that hides the state is reported as AVX2 or less. */
static int detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return CK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CK_ISA_AVX2;
#endif
    return CK_ISA_BASELINE;
}

/* Cached after the first call; -1 = not yet known. Racing first calls store the same value. */
static int detected = -1;

int ck_isa_detected(void) {
    int isa = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (isa < 0) {
        isa = detect();
        __atomic_store_n(&detected, isa, __ATOMIC_RELAXED);
    }
    return isa;
}

int ck_isa_selected(void) {
    int isa = ck_isa_detected();
    const char *request = getenv("SIGLIP_KERNEL_ISA");
    if (request && strcmp(request, "baseline") == 0) return CK_ISA_BASELINE;
    if (request && strcmp(request, "avx2") == 0 && isa > CK_ISA_AVX2) return CK_ISA_AVX2;
    return isa;
}
