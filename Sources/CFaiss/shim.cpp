#include "CFaiss.h"

#include <faiss/AutoTune.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/MetaIndexes.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <exception>
#include <memory>
#include <string>

// From libgomp, FAISS's OpenMP runtime on Debian; omp.h is not on Swift's clang include path.
extern "C" void omp_set_num_threads(int);

struct cfaiss_index {
    std::unique_ptr<faiss::Index> index;
};

static thread_local std::string last_error;

const char *cfaiss_last_error(void) { return last_error.c_str(); }

template <typename F> static int guarded(F body) {
    try {
        body();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown FAISS error";
    }
    return -1;
}

int cfaiss_create(const char *factory, int dimension, cfaiss_index **out) {
    return guarded([&] {
        std::unique_ptr<faiss::Index> inner(faiss::index_factory(dimension, factory, faiss::METRIC_INNER_PRODUCT));
        // IVF indexes store our row ids in their lists and remove by them. Wrapping them in an IDMap would break
        // removal: the map compacts its table while the lists keep the old sequence numbers.
        if (dynamic_cast<faiss::IndexIVF *>(inner.get())) {
            *out = new cfaiss_index{std::move(inner)};
            return;
        }
        // IDMap2 lets us add our own row ids to index types that number vectors themselves.
        auto *map = new faiss::IndexIDMap2(inner.release());
        map->own_fields = true;
        *out = new cfaiss_index{std::unique_ptr<faiss::Index>(map)};
    });
}

int cfaiss_read(const char *path, cfaiss_index **out) {
    return guarded([&] { *out = new cfaiss_index{std::unique_ptr<faiss::Index>(faiss::read_index(path))}; });
}

int cfaiss_write(const cfaiss_index *index, const char *path) {
    return guarded([&] { faiss::write_index(index->index.get(), path); });
}

void cfaiss_free(cfaiss_index *index) { delete index; }

int cfaiss_is_trained(const cfaiss_index *index) { return index->index->is_trained ? 1 : 0; }

int cfaiss_train(cfaiss_index *index, int64_t n, const float *vectors) {
    return guarded([&] { index->index->train(n, vectors); });
}

int cfaiss_add(cfaiss_index *index, int64_t n, const float *vectors, const int64_t *ids) {
    return guarded([&] { index->index->add_with_ids(n, vectors, reinterpret_cast<const faiss::Index::idx_t *>(ids)); });
}

int cfaiss_remove(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed) {
    return guarded([&] {
        faiss::IDSelectorBatch selector(n, reinterpret_cast<const faiss::Index::idx_t *>(ids));
        *removed = static_cast<int64_t>(index->index->remove_ids(selector));
    });
}

int64_t cfaiss_count(const cfaiss_index *index) { return index->index->ntotal; }

int cfaiss_search(const cfaiss_index *index, int64_t n, const float *queries, int64_t k, float *scores, int64_t *ids) {
    return guarded([&] { index->index->search(n, queries, k, scores, reinterpret_cast<faiss::Index::idx_t *>(ids)); });
}

int cfaiss_set_parameter(cfaiss_index *index, const char *name, double value) {
    return guarded([&] {
        faiss::ParameterSpace space;
        auto *map = dynamic_cast<faiss::IndexIDMap2 *>(index->index.get());
        faiss::Index *target = map ? map->index : index->index.get();
        try {
            space.set_index_parameter(target, name, value);
        } catch (const std::exception &) {
            // The parameter does not apply to this index type (nprobe on HNSW, say): nothing to set.
        }
    });
}

void cfaiss_set_threads(int threads) { omp_set_num_threads(threads); }
