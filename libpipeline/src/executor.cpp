#include "pipeline/executor.hpp"

#include <algorithm>

namespace pipeline {

std::size_t BatchResult::failure_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return !task.record.ok(); }));
}

std::vector<std::size_t> largest_first(std::span<const NamedImage> batch) {
  std::vector<std::size_t> order(batch.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [batch](std::size_t a, std::size_t b) {
    return batch[a].image.pixel_count() > batch[b].image.pixel_count();
  });
  return order;
}

std::size_t BatchResult::cancelled_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return task.record.cancelled; }));
}

}  // namespace pipeline
