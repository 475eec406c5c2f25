#pragma once
// Private to the library: a task frame run by a worker (a process-pool worker, an MPI rank on rank 0's host). The
// filters read the samples where they lie when the frame places them in shared memory, and the output is written
// straight into the area the parent offered when it fits there; otherwise it comes back inline.

#include <cstdint>
#include <span>

#include "process_pool/chain_cache.hpp"
#include "process_pool/shared_arena.hpp"
#include "process_pool/shared_memory.hpp"
#include "process_pool/wire.hpp"

namespace pipeline::detail {

// The shared memories a worker has mapped: its own segment and shared image memory, each possibly absent.
struct SharedMemories {
  SharedSegment* segment = nullptr;
  ArenaMapping* arena = nullptr;

  // What the frames' offsets are checked against (decode_task, decode_result).
  [[nodiscard]] wire::MappedBytes mapped() const noexcept;
  // Bytes [offset, offset + bytes) of `memory`, already checked against mapped() by the frame's decoding. Throws
  // wire::ProtocolError when they are not there after all (shared image memory shorter than it said).
  [[nodiscard]] std::span<std::uint8_t> bytes(wire::Memory memory, std::uint64_t offset, std::uint64_t bytes) const;
};

// Runs `task` through the chain; the result's output is in place (output_in_segment) or inline. Never throws for
// the image's own failure (it is the record's error); throws wire::ProtocolError before any chain.
[[nodiscard]] wire::Result run_task_frame(const ChainCache& chains, wire::Task task, const SharedMemories& memories);

}  // namespace pipeline::detail
