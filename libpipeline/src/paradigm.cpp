#include "pipeline/paradigm.hpp"

#include <array>

namespace pipeline {

std::span<const Paradigm> all_paradigms() noexcept {
  static constexpr std::array paradigms{Paradigm::sequential, Paradigm::processes, Paradigm::threads, Paradigm::mpi};
  return paradigms;
}

std::string_view name_of(Paradigm paradigm) noexcept {
  switch (paradigm) {
    case Paradigm::sequential: return "sequential";
    case Paradigm::processes: return "processes";
    case Paradigm::threads: return "threads";
    case Paradigm::mpi: return "mpi";
  }
  return "unknown";
}

std::optional<Paradigm> paradigm_named(std::string_view name) noexcept {
  for (const Paradigm paradigm : all_paradigms()) {
    if (name_of(paradigm) == name) return paradigm;
  }
  return std::nullopt;
}

std::vector<std::string> paradigm_names() {
  std::vector<std::string> names;
  for (const Paradigm paradigm : all_paradigms()) names.emplace_back(name_of(paradigm));
  return names;
}

std::vector<std::string> local_paradigm_names() {
  std::vector<std::string> names;
  for (const Paradigm paradigm : all_paradigms()) {
    if (paradigm != Paradigm::mpi) names.emplace_back(name_of(paradigm));
  }
  return names;
}

bool is_sequential(std::string_view name) noexcept { return paradigm_named(name) == Paradigm::sequential; }

bool workers_are_processes(Paradigm paradigm) noexcept {
  return paradigm == Paradigm::processes || paradigm == Paradigm::mpi;
}

}  // namespace pipeline
