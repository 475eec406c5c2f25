#pragma once
// Private to pipeline::mpi: a file another process on this host has open, opened here too through
// /proc/<pid>/fd/<n> (the same access check as reading that process's memory maps: the same user). The device and
// inode, which the owner sends, prove it is that very file: a process of the same pid on another host, or in
// another PID namespace, has other files.

#include <cstdint>

namespace pipeline::detail::mpi {

// Sent as plain bytes: both ends are on one host.
struct PeerFile {
  std::int32_t fd = -1;  // the owner's descriptor; -1: none
  std::uint32_t reserved = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

// This process's `fd`, as a peer names it. Throws std::system_error.
[[nodiscard]] PeerFile peer_file_of(int fd);

// Process `pid`'s `file`, opened with `flags` (O_CLOEXEC added). Returns the descriptor; throws std::runtime_error
// (std::system_error) saying why not.
[[nodiscard]] int open_peer_file(std::int64_t pid, const PeerFile& file, int flags);

}  // namespace pipeline::detail::mpi
