#pragma once
// Executors by name, for programs that take the paradigm as text ("sequential", "threads", "processes").

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/executor.hpp"

namespace pipeline {

// The names make_executor() accepts, in the order a comparison runs them.
[[nodiscard]] std::vector<std::string> executor_names();

// Throws std::invalid_argument for an unknown name (listing the valid ones) or workers < 1.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers);

}  // namespace pipeline
