#pragma once
// Private to pipeline::mpi: shared image memory (shared_image_memory.hpp) between rank 0 and the ranks on its host.
//
// A rank is not rank 0's child and inherits none of its descriptors, but on the same host it can open rank 0's
// memory file through /proc/<rank 0's pid>/fd/<n> (the same access check as reading another process's memory maps:
// the same user). It then checks that it opened that very file (device and inode, which rank 0 sends), maps it,
// and says so; from then on its tasks travel as the process pool's in-place frames: a few dozen bytes each way,
// the samples read where they lie and the output written into an image rank 0 allocated there. A rank on another
// host, in another PID namespace, or refused by /proc, answers no and keeps getting samples in messages.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pipeline/mpi/mpi_rank.hpp"
#include "process_pool/shared_arena.hpp"

namespace pipeline::detail::mpi {

// The offer on tag_shared_images, and the answer (one byte: 1 mapped, 0 not) on the same tag.
inline constexpr int tag_shared_images = 5;

// Rank 0: offers its shared image memory (if on) to `ranks` and waits for each answer (`timeout_s` in all).
// Returns, per rank, whether it maps it; all false when shared image memory is off. Throws std::runtime_error.
[[nodiscard]] std::vector<bool> offer_shared_images(std::span<const MpiRank> ranks, double timeout_s);

// A rank: maps the memory an offer from rank 0 (process `root_pid`) describes, and answers. Nothing when it cannot
// (why, at debug level): the rank stays on messages.
[[nodiscard]] std::optional<ArenaMapping> accept_shared_images(std::span<const std::uint8_t> offer,
                                                               std::int64_t root_pid);

}  // namespace pipeline::detail::mpi
