#include <dnnl.h>
// From libgomp (oneDNN's threading runtime on Debian); declared here because omp.h is not on Swift's include path.
extern void omp_set_num_threads(int);
