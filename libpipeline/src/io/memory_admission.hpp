#pragma once
// Admission of a file run's jobs by memory (FileJobOptions::memory_budget, memory_budget.hpp), shared by every
// executor: the in-process ones wait in acquire(), the process pool's event loop asks try_acquire() and keeps
// the job queued until a result frees room.

#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "io/file_task.hpp"
#include "pipeline/file_job.hpp"

namespace pipeline::detail {

class MemoryAdmission {
 public:
  // The run's budget from its options (unset: the default; 0: none), and how its inputs are decoded.
  explicit MemoryAdmission(const FileJobOptions& options);

  [[nodiscard]] bool limited() const noexcept { return budget_ != 0; }
  [[nodiscard]] std::uint64_t budget() const noexcept { return budget_; }

  // What `job` will take, from its file's header. 0 without a budget, and for a file whose header cannot be read
  // or is over the pixel limit: decoding it fails at once with its own reason, holding nothing.
  [[nodiscard]] std::uint64_t estimate(const FileJob& job) const;
  // Why a job of `bytes` can never be admitted (over the whole budget), or empty.
  [[nodiscard]] std::string refusal(std::uint64_t bytes) const;

  // Waits until `bytes` fit, first come first admitted (a large job waiting is not overtaken by smaller ones
  // behind it). False if `stop` was requested while waiting, and nothing is held then.
  [[nodiscard]] bool acquire(std::uint64_t bytes, const std::stop_token& stop);
  // Takes `bytes` if they fit now.
  [[nodiscard]] bool try_acquire(std::uint64_t bytes);
  void release(std::uint64_t bytes);

 private:
  [[nodiscard]] bool fits(std::uint64_t bytes) const noexcept { return in_use_ + bytes <= budget_; }

  const std::uint64_t budget_;
  const DecodeOptions decode_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::uint64_t in_use_ = 0;
  std::list<std::uint64_t> waiting_;  // tickets of the acquire() calls waiting, in arrival order
  std::uint64_t next_ticket_ = 0;
};

// The process pool's side, for its single-threaded event loop: each job's estimate (its header read once, when
// it is first due) and what it holds while sent.
class JobAdmission {
 public:
  JobAdmission(const FileJobOptions& options, std::span<const FileJob> jobs);

  enum class Outcome { admitted, refused, wait };
  // admitted: `job` holds its share until release(job). refused: over the whole budget, `why` says so. wait:
  // it does not fit until some job in progress releases its share.
  [[nodiscard]] Outcome admit(std::size_t job, std::string& why);
  void release(std::size_t job) noexcept;  // nothing if `job` holds nothing
  [[nodiscard]] bool limited() const noexcept { return admission_.limited(); }

 private:
  MemoryAdmission admission_;
  std::span<const FileJob> jobs_;
  std::vector<std::optional<std::uint64_t>> estimate_;  // empty until the job is first due
  std::vector<std::uint64_t> held_;
};

// Runs `job` in the calling thread (run_unflushed_file_task) once its memory is admitted: the record of a job over
// the whole budget is a failure naming both sizes, that of a job still waiting when the run is stopped a
// cancellation. The output is left for the caller to commit: its memory is released already.
[[nodiscard]] UnflushedFileTask run_admitted_file_task(MemoryAdmission& admission, const FilterChain& chain,
                                                       const FileJob& job, const FileJobOptions& options, int worker,
                                                       bool profile_stages, const std::stop_token& stop);

}  // namespace pipeline::detail
