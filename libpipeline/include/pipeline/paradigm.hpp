#pragma once
// The ways of running a batch that the library compares, as a type. An executor's name() is its paradigm's name;
// an executor of a program's own may have another name, which then has no paradigm.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// mpi: worker ranks of an MPI job, possibly on other machines (the pipeline::mpi component, mpi_executor.hpp).
enum class Paradigm { sequential, processes, threads, mpi };

// In the order a comparison runs them: the sequential baseline first.
[[nodiscard]] std::span<const Paradigm> all_paradigms() noexcept;

// "sequential", "processes", "threads", "mpi": the executor names of executors.hpp.
[[nodiscard]] std::string_view name_of(Paradigm paradigm) noexcept;
// The paradigm of an executor named `name`, or none for an executor of another name.
[[nodiscard]] std::optional<Paradigm> paradigm_named(std::string_view name) noexcept;
// Their names, in that order.
[[nodiscard]] std::vector<std::string> paradigm_names();
// The names of those every build runs on one machine without a launcher (all but mpi): a comparison's default.
[[nodiscard]] std::vector<std::string> local_paradigm_names();
// Whether the executor named `name` is the sequential baseline.
[[nodiscard]] bool is_sequential(std::string_view name) noexcept;

// Whether the paradigm's workers are other processes, so that every task moves its data (transfer costs apply).
[[nodiscard]] bool workers_are_processes(Paradigm paradigm) noexcept;

}  // namespace pipeline
