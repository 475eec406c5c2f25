#include "pipeline/executor.hpp"

#include <algorithm>

namespace pipeline {

std::size_t BatchResult::failure_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return !task.record.ok(); }));
}

std::size_t BatchResult::cancelled_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return task.record.cancelled; }));
}

}  // namespace pipeline
