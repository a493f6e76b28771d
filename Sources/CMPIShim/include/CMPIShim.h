// MPI for Swift: the world communicator only, floats and doubles, plain pointers and counts.
// Every function returns MPI_SUCCESS (0) or an MPI error code; shim_error_string describes one.
#ifndef CMPISHIM_H
#define CMPISHIM_H

#include <stddef.h>

/// Initialises MPI (a single process without mpirun is a world of one) and reports this process's rank and the world size.
int shim_init(int *rank, int *size);
/// Whether MPI_Init has run and MPI_Finalize has not.
int shim_is_active(void);
/// Ends MPI; every rank must call it before exiting normally.
int shim_finalize(void);
/// Ends every rank of the job with `code` (for an error one rank cannot recover from).
void shim_abort(int code);
/// Writes the text of an MPI error code into `buffer` (NUL-terminated, at most `length` bytes).
void shim_error_string(int code, char *buffer, int length);

/// Replaces `buffer[0..<count]` on every rank by its element-wise sum over all ranks (any count; split below INT_MAX).
int shim_allreduce_sum_float(float *buffer, size_t count);
/// As shim_allreduce_sum_float, for doubles.
int shim_allreduce_sum_double(double *buffer, size_t count);
/// Gathers one int from every rank into `values[0..<size]`, in rank order.
int shim_allgather_int(int value, int *values);
/// Sends `send[0..<send_count]` to rank `destination` while receiving `receive[0..<receive_count]` from rank `source`.
int shim_sendrecv_float(const float *send, int send_count, int destination,
                        float *receive, int receive_count, int source, int tag);
/// Waits until every rank has called it.
int shim_barrier(void);

#endif
