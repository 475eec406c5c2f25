#pragma once
// The baseline: every image in the calling thread, one after another.

#include "pipeline/executor.hpp"
#include "pipeline/paradigm.hpp"

namespace pipeline {

class SequentialExecutor final : public Executor {
 public:
  [[nodiscard]] std::string name() const override { return std::string(name_of(Paradigm::sequential)); }
  [[nodiscard]] int workers() const override { return 1; }

 protected:
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                         const RunOptions& options) override;
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;
};

}  // namespace pipeline
