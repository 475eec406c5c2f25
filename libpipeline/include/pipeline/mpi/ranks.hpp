#pragma once
// The ranks of an MPI job: the entry point every rank runs first, and what rank 0 may ask about the others.
//
//   int main(int argc, char** argv) {
//     pipeline::register_filter(...);                          // the program's own filters, on every rank
//     if (auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;   // ranks 1..n-1 serve here
//     ... rank 0 (or a program started without mpirun) goes on: MpiExecutor, make_executor("mpi", n), ...
//   }

#include <optional>
#include <string>
#include <vector>

#include "pipeline/mpi/mpi_rank.hpp"  // MpiRank

namespace pipeline {

// Whether this process was started by an MPI launcher (mpirun/mpiexec of Open MPI, or a PMI/PMIx one such as
// Slurm's srun), read from the environment it sets.
[[nodiscard]] bool launched_by_mpi() noexcept;

// Registers the "mpi" executor (executors.hpp) in every case; then, when launched by MPI: initialises MPI, learns
// every rank's host, pid and clock, and on ranks other than 0 serves tasks until rank 0 ends, then finalises MPI
// and returns the exit code, which main should return. On rank 0, and without a launcher, returns nullopt at once
// and the program goes on; rank 0 finalises MPI at exit (std::atexit), releasing the other ranks. Call it once,
// first in main, after registering the program's own filters (the ranks build chains from them).
[[nodiscard]] std::optional<int> maybe_serve_mpi_rank(int argc, char** argv);

// Worker ranks this program has (the job's size minus rank 0); 0 without a launcher or before maybe_serve_mpi_rank.
[[nodiscard]] int mpi_worker_ranks() noexcept;

// Why an mpi executor of `workers` workers cannot run in this process (how to launch it instead), or empty.
[[nodiscard]] std::string mpi_unavailable(int workers);

// Rank 0 only: every worker rank, in rank order (empty elsewhere).
[[nodiscard]] std::vector<MpiRank> mpi_worker_rank_list();

}  // namespace pipeline
