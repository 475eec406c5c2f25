#pragma once
// The baseline: every image in the calling thread, one after another.

#include "pipeline/executor.hpp"

namespace pipeline {

class SequentialExecutor final : public Executor {
 public:
  [[nodiscard]] std::string name() const override { return "sequential"; }
  [[nodiscard]] int workers() const override { return 1; }
  [[nodiscard]] BatchResult run(const FilterChain& chain, std::span<const NamedImage> batch) override;
};

}  // namespace pipeline
