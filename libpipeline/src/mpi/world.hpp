#pragma once
// Private to pipeline::mpi: this process's place in the MPI job, once maybe_serve_mpi_rank() has initialised MPI.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mpi/same_host.hpp"
#include "pipeline/mpi/mpi_rank.hpp"

namespace pipeline::detail::mpi {

struct World {
  int rank = 0;
  int size = 1;
  std::string host;
  std::string root_host;           // rank 0's
  std::int64_t root_pid = 0;       // rank 0's
  std::vector<MpiRank> workers;    // rank 0 only: ranks 1..size-1, in order
  std::optional<RootLinks> links;  // rank 0 only: what the ranks on its host share with it (same_host.hpp)
  std::mutex runs;                 // rank 0 talks to its ranks from one run at a time (MPI_THREAD_SERIALIZED)
};

// The job's world, or null when MPI was not initialised by maybe_serve_mpi_rank().
[[nodiscard]] World* world() noexcept;

// A worker rank's loop: serves frames from rank 0 until it says stop. Returns the exit code.
[[nodiscard]] int serve_rank(const World& world);

// The "mpi" executor's entry in the executor registry (executors.hpp).
void register_mpi_executor();

}  // namespace pipeline::detail::mpi
