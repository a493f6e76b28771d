#include "CMPIShim.h"
#include <limits.h>
#include <mpi.h>
#include <string.h>

int shim_init(int *rank, int *size) {
    // Funneled: only the thread that called init talks to MPI; the kernels' worker threads never do.
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return rc;
    // Errors come back as codes the caller reports, instead of MPI's default of aborting the whole job silently.
    rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int shim_is_active(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int shim_finalize(void) { return MPI_Finalize(); }

void shim_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

void shim_error_string(int code, char *buffer, int length) {
    if (length <= 0) return;
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, text, &n) != MPI_SUCCESS) n = 0;
    if (n >= length) n = length - 1;
    memcpy(buffer, text, (size_t)n);
    buffer[n] = 0;
}

static int allreduce_sum(void *buffer, size_t count, MPI_Datatype type, size_t width) {
    // MPI counts are ints: larger buffers go in pieces.
    const size_t piece = (size_t)INT_MAX / 2;
    for (size_t start = 0; start < count; start += piece) {
        size_t n = count - start < piece ? count - start : piece;
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)buffer + start * width, (int)n, type, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int shim_allreduce_sum_float(float *buffer, size_t count) { return allreduce_sum(buffer, count, MPI_FLOAT, sizeof(float)); }

int shim_allreduce_sum_double(double *buffer, size_t count) { return allreduce_sum(buffer, count, MPI_DOUBLE, sizeof(double)); }

int shim_allgather_int(int value, int *values) {
    return MPI_Allgather(&value, 1, MPI_INT, values, 1, MPI_INT, MPI_COMM_WORLD);
}

int shim_sendrecv_float(const float *send, int send_count, int destination,
                        float *receive, int receive_count, int source, int tag) {
    return MPI_Sendrecv(send, send_count, MPI_FLOAT, destination, tag, receive, receive_count, MPI_FLOAT, source, tag,
                        MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int shim_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
