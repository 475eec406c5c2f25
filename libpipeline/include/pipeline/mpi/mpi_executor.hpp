#pragma once
// The mpi executor: the batch's tasks run on the worker ranks of an MPI job (Open MPI's mpirun, or Slurm's srun),
// on this machine or on others. Part of the pipeline::mpi component (find_package(pipeline COMPONENTS mpi)).
// Example: examples/mpi/mpi.cpp (run under mpirun).
//
// Rank 0 is the program; every other rank serves tasks (maybe_serve_mpi_rank(), ranks.hpp, called at the top of
// main). Scheduling is dynamic: each worker rank has up to two tasks in flight, the next sent as one comes back;
// results come in input order. No shared filesystem is assumed: images travel as the process pool's wire frames
// (task and result), and file jobs (run_files) as their encoded bytes: rank 0 reads each input file and sends it,
// the rank decodes, filters and encodes the PNG and sends it back, and rank 0 writes it atomically. Ranks on rank
// 0's host map its shared image memory when it is on (use_shared_image_memory(), shared_image_memory.hpp) and take
// images there in place, as the process pool's workers do: only the frames travel.
//
// Records: pid, tid and cores are the rank's, on its host (TaskRecord::host); worker is the rank minus one. Ranks on
// rank 0's host share its clock (CLOCK_MONOTONIC); the times of ranks on other hosts are mapped onto rank 0's clock
// by an offset measured at start-up (half a round trip of error, microseconds on a LAN).
//
// Faults: a task that fails (a bad image) is reported in its record like in the other executors. A rank that dies
// makes Open MPI 4.1 abort the whole job; with `task_timeout`, a rank that takes longer on a task aborts it too
// (a rank cannot be killed and replaced from inside the job). `run --resume` then finishes only what is missing.

#include <string>

#include "pipeline/executor.hpp"
#include "pipeline/mpi/mpi_options.hpp"  // MpiOptions, MpiUnavailable

namespace pipeline {

class MpiExecutor final : public Executor {
 public:
  // Uses worker ranks 1..workers. Throws MpiUnavailable (see mpi_unavailable(), ranks.hpp).
  explicit MpiExecutor(int workers, MpiOptions options = {});
  ~MpiExecutor() override;
  MpiExecutor(const MpiExecutor&) = delete;
  MpiExecutor& operator=(const MpiExecutor&) = delete;

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] int workers() const override { return workers_; }
  // Sends each of its ranks the libvips settings and waits for their answers.
  void start() override;

 protected:
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                         const RunOptions& options) override;
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;

 private:
  int workers_;
  MpiOptions options_;
  bool started_ = false;
  double ready_s_ = 0.0;
};

}  // namespace pipeline
