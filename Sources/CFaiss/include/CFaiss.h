#ifndef CFAISS_H
#define CFAISS_H
// The handful of FAISS calls siglip uses, behind a C interface (Debian's libfaiss ships no C API).
// Every function returns 0 on success, or -1 with a message readable through cfaiss_last_error().
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cfaiss_index cfaiss_index;

/// The message of the last failed call on this thread.
const char *cfaiss_last_error(void);
/// An inner-product index from a factory string such as "HNSW32" or "IVF256,SQ8", wrapped to take our ids.
int cfaiss_create(const char *factory, int dimension, cfaiss_index **out);
/// Reads an index written by cfaiss_write.
int cfaiss_read(const char *path, cfaiss_index **out);
int cfaiss_write(const cfaiss_index *index, const char *path);
void cfaiss_free(cfaiss_index *index);
/// Whether the index needs training before vectors are added.
int cfaiss_is_trained(const cfaiss_index *index);
int cfaiss_train(cfaiss_index *index, int64_t n, const float *vectors);
int cfaiss_add(cfaiss_index *index, int64_t n, const float *vectors, const int64_t *ids);
/// Removes ids; sets *removed to how many went (0 where the index type cannot remove).
int cfaiss_remove(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed);
int64_t cfaiss_count(const cfaiss_index *index);
/// The k best (score, id) pairs per query; missing results have id -1.
int cfaiss_search(const cfaiss_index *index, int64_t n, const float *queries, int64_t k, float *scores, int64_t *ids);
/// Sets a search-time parameter by name ("efSearch", "nprobe"); ignored where it does not apply.
int cfaiss_set_parameter(cfaiss_index *index, const char *name, double value);
/// Threads FAISS's OpenMP regions may use.
void cfaiss_set_threads(int threads);

#ifdef __cplusplus
}
#endif
#endif
