// Start-up and end of the MPI job: initialisation, what rank 0 learns of every rank, the release of the ranks at
// rank 0's exit.
#include "pipeline/mpi/ranks.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mpi/messages.hpp"
#include "mpi/world.hpp"
#include "pipeline/timing.hpp"

namespace pipeline {
namespace detail::mpi {
namespace {

std::unique_ptr<World> the_world;

// What every rank tells rank 0 at start-up, gathered as plain bytes.
struct RankCard {
  std::int64_t pid = 0;
  char host[256] = {};
};

std::string this_host() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

void learn_ranks(World& w) {
  RankCard mine;
  mine.pid = ::getpid();
  std::strncpy(mine.host, w.host.c_str(), sizeof mine.host - 1);
  std::vector<RankCard> cards(w.rank == 0 ? static_cast<std::size_t>(w.size) : 0);
  check(MPI_Gather(&mine, sizeof mine, MPI_BYTE, cards.data(), sizeof mine, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gather");
  // Every rank learns rank 0's host (on another host, messages go over the network: rank_server.cpp) and pid (on
  // the same host, a rank may map rank 0's shared image memory: shared_images.hpp).
  RankCard root;
  if (w.rank == 0) root = mine;
  check(MPI_Bcast(&root, sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
  w.root_host.assign(root.host, strnlen(root.host, sizeof root.host));
  w.root_pid = root.pid;
  // Clocks: rank 0 pings each rank and takes the midpoint of the round trip as the instant of the rank's reading.
  // Ranks on rank 0's host read the same CLOCK_MONOTONIC: their offset is exactly 0.
  if (w.rank == 0) {
    for (int r = 1; r < w.size; ++r) {
      const RankCard& card = cards[static_cast<std::size_t>(r)];
      const double sent = monotonic_seconds();
      check(MPI_Send(nullptr, 0, MPI_BYTE, r, tag_clock, MPI_COMM_WORLD), "MPI_Send");
      double theirs = 0.0;
      check(MPI_Recv(&theirs, 1, MPI_DOUBLE, r, tag_clock, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
      const double back = monotonic_seconds();
      const std::string host(card.host, strnlen(card.host, sizeof card.host));
      const double offset = host == w.host ? 0.0 : theirs - (sent + back) / 2.0;
      w.workers.push_back(MpiRank{r, card.pid, host, offset});
    }
  } else {
    check(MPI_Recv(nullptr, 0, MPI_BYTE, 0, tag_clock, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    const double now = monotonic_seconds();
    check(MPI_Send(&now, 1, MPI_DOUBLE, 0, tag_clock, MPI_COMM_WORLD), "MPI_Send");
  }
}

// At rank 0's exit: every worker rank is told to leave, then MPI ends here too.
void end_job() {
  if (!the_world) return;
  try {
    std::vector<MPI_Request> requests;
    for (const MpiRank& worker : the_world->workers) {
      MPI_Request request = MPI_REQUEST_NULL;
      check(MPI_Isend(nullptr, 0, MPI_BYTE, worker.rank, tag_stop, MPI_COMM_WORLD, &request), "MPI_Isend");
      requests.push_back(request);
    }
    if (the_world->links) {
      for (const auto& ringer : the_world->links->ringers) {
        if (ringer) ringer->ring();
      }
    }
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    MPI_Finalize();
  } catch (const std::exception& error) {
    spdlog::error("ending the MPI job: {}", error.what());
  }
}

}  // namespace

World* world() noexcept { return the_world.get(); }

}  // namespace detail::mpi

bool launched_by_mpi() noexcept {
  // Open MPI's mpirun; PMIx (Slurm's srun --mpi=pmix, Open MPI 5); PMI-1/2 launchers.
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(variable) != nullptr) return true;
  }
  return false;
}

std::optional<int> maybe_serve_mpi_rank(int argc, char** argv) {
  using namespace detail::mpi;
  register_mpi_executor();
  if (!launched_by_mpi() || the_world) return std::nullopt;
  // mpirun --oversubscribe tells Open MPI to yield the core inside every poll that finds nothing. Nothing here
  // waits inside MPI (messages.hpp: it polls, and sleeps or waits for a doorbell between polls), so that yield only
  // handed the core away in the middle of a non-blocking call: measured, a rank took 2-5 ms to pick up a task
  // already there, and mpi / processes time 1.15-1.23 with it, 1.08-1.11 without (pipeline-bench --sections mpi,
  // alternated). Set before MPI_Init, which reads it.
  ::setenv("OMPI_MCA_mpi_yield_when_idle", "0", 1);
  int provided = MPI_THREAD_SINGLE;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  // Errors as return codes, so they become exceptions with MPI's message (check()) rather than an abort here.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  auto w = std::make_unique<World>();
  MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w->size);
  w->host = this_host();
  if (provided < MPI_THREAD_SERIALIZED && w->rank == 0) {
    spdlog::warn("this MPI provides thread level {} below MPI_THREAD_SERIALIZED: run the mpi executor from one thread",
                 provided);
  }
  learn_ranks(*w);
  the_world = std::move(w);
  if (the_world->rank == 0) {
    std::atexit(end_job);
    return std::nullopt;
  }
  const int code = serve_rank(*the_world);
  MPI_Finalize();
  return code;
}

int mpi_worker_ranks() noexcept {
  const auto* w = detail::mpi::world();
  return w != nullptr && w->rank == 0 ? w->size - 1 : 0;
}

std::vector<MpiRank> mpi_worker_rank_list() {
  const auto* w = detail::mpi::world();
  return w != nullptr ? w->workers : std::vector<MpiRank>{};
}

std::string mpi_unavailable(int workers) {
  const std::string launch = fmt::format(
      "launch the program with one rank more than the workers, e.g. 'mpirun -n {} PROGRAM ...' (add "
      "--oversubscribe beyond the machine's cores)",
      workers + 1);
  if (!launched_by_mpi())
    return "the mpi executor needs MPI worker ranks, and this program was not started by mpirun: " + launch;
  const auto* w = detail::mpi::world();
  if (w == nullptr) {
    return "the mpi executor needs pipeline::maybe_serve_mpi_rank(argc, argv) called at the top of main, before "
           "anything else";
  }
  if (w->rank != 0) return "only rank 0 runs executors";
  if (w->size - 1 < workers) {
    return fmt::format("{} mpi workers asked for, but this job has {} worker rank(s) ({} in all): {}", workers,
                       w->size - 1, w->size, launch);
  }
  return {};
}

}  // namespace pipeline
