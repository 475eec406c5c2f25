#include "pipeline/worker_count.hpp"

#include <algorithm>

namespace pipeline {

int workers_for_tasks(int requested, std::size_t tasks) noexcept {
  const std::size_t capped =
      std::min(static_cast<std::size_t>(std::max(requested, 1)), std::max<std::size_t>(tasks, 1));
  return static_cast<int>(capped);
}

bool far_oversubscribed(int workers, unsigned logical_cpus) noexcept {
  return logical_cpus > 0 && workers > 0 &&
         static_cast<unsigned long long>(workers) >
             far_oversubscription_factor * static_cast<unsigned long long>(logical_cpus);
}

}  // namespace pipeline
