#pragma once
// How the mpi executor (mpi_executor.hpp) runs, and the error that says it cannot.

#include <stdexcept>

#include "pipeline/vips.hpp"

namespace pipeline {

struct MpiOptions {
  VipsSettings vips;            // for the ranks' libvips
  double task_timeout_s = 0;    // > 0: a task still out after this long aborts the job (MPI_Abort), naming it
  double start_timeout_s = 60;  // a rank that has not answered a run's chain by then aborts the job likewise
};

// Thrown where the mpi executor cannot run: not launched by mpirun (or srun), fewer worker ranks than workers, or
// maybe_serve_mpi_rank() not called. what() says how to launch it.
class MpiUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pipeline
