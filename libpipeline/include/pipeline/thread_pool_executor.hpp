#pragma once
// Threads in this process, on a Boost.Asio thread_pool: one task per image, handed to the next free thread.

#include "pipeline/executor.hpp"

namespace pipeline {

class ThreadPoolExecutor final : public Executor {
 public:
  // Throws std::invalid_argument unless workers >= 1.
  explicit ThreadPoolExecutor(int workers);
  [[nodiscard]] std::string name() const override { return "threads"; }
  [[nodiscard]] int workers() const override { return workers_; }
  // A fresh pool per batch: its start-up is part of the measured time, as a process pool's is.

 protected:
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch, const RunOptions& options) override;
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;


 private:
  int workers_;
};

}  // namespace pipeline
