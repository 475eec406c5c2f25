#pragma once
// How the process pool moves pixels between the parent and its worker processes.

#include <string_view>

namespace pipeline {

enum class Transport {
  // Every image's samples go through the worker's stdin and its output back through its stdout.
  pipe,
  // Each worker shares a memory segment with the parent: the samples are copied into it and out of it, and the
  // pipes carry only small frames saying where they are (wire.hpp).
  shared_memory,
};

// "pipe", "shm": the names the command line uses.
[[nodiscard]] std::string_view to_string(Transport transport) noexcept;

// The inverse of to_string(). Throws std::invalid_argument naming the valid transports.
[[nodiscard]] Transport parse_transport(std::string_view name);

}  // namespace pipeline
