#pragma once
// Private to pipeline::mpi: what rank 0 and the ranks on its host share beyond MPI messages.
//
// - Shared image memory (shared_image_memory.hpp): a rank that maps rank 0's memory file takes images in place, as
//   the process pool's workers do: the task and result frames are a few dozen bytes, the samples are read where
//   they lie and the output is written into an image rank 0 allocated there.
// - Doorbells (doorbell.hpp), both ways: each side sleeps until the other rings right after sending to it.
// A rank is not rank 0's child and inherits none of its descriptors: it opens rank 0's files through /proc
// (peer_file.hpp), and rank 0 opens the rank's doorbell likewise. A rank on another host, in another PID namespace
// or refused by /proc gets none of it and stays on messages and polling, with the same results.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mpi/doorbell.hpp"
#include "pipeline/mpi/mpi_rank.hpp"
#include "process_pool/shared_arena.hpp"

namespace pipeline::detail::mpi {

// The offer on tag_same_host, and the rank's answer on the same tag.
inline constexpr int tag_same_host = 5;

// Rank 0's side, for the whole job.
struct RootLinks {
  Doorbell bell;                                       // rung by the ranks that could open it
  std::vector<std::optional<DoorbellRinger>> ringers;  // per worker rank: its doorbell, when it could be opened
  std::vector<bool> maps_images;                       // per worker rank: it maps rank 0's shared image memory
  std::vector<bool> rings_root;                        // per worker rank: it opened rank 0's doorbell
  bool offered = false;
  bool images_offered = false;  // shared image memory was on when offered (it never goes off)
};

// Rank 0: offers `links` to `ranks` (all the job's worker ranks) unless done already, and again once shared image
// memory is on; waits for every answer (`timeout_s` in all). Throws std::runtime_error.
void offer_same_host(std::span<const MpiRank> ranks, RootLinks& links, double timeout_s);

// A worker rank's side.
struct RankLinks {
  Doorbell bell;                       // rung by rank 0 when it could open it
  std::optional<DoorbellRinger> root;  // rank 0's doorbell
  std::optional<ArenaMapping> images;  // rank 0's shared image memory
};

// A rank: takes what an offer from rank 0 (process `root_pid`) holds and answers. What it cannot open is left out
// (why, at debug level).
void accept_same_host(std::span<const std::uint8_t> offer, std::int64_t root_pid, RankLinks& links);

}  // namespace pipeline::detail::mpi
