#include "io/memory_admission.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/memory_budget.hpp"
#include "pipeline/metrics.hpp"
#include "task_recording.hpp"

namespace pipeline::detail {
MemoryAdmission::MemoryAdmission(const FileJobOptions& options)
    : budget_(options.memory_budget ? *options.memory_budget : default_memory_budget()), decode_(options.decode) {}

std::uint64_t MemoryAdmission::estimate(const FileJob& job) const {
  if (!limited()) return 0;
  try {
    const ImageHeader header = read_image_header(job.input);
    if (header.pixels() > effective_max_pixels(decode_)) return 0;
    return estimate_task_memory(header);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string MemoryAdmission::refusal(std::uint64_t bytes) const {
  if (!limited() || bytes <= budget_) return {};
  return fmt::format(
      "needs about {} to decode, filter and encode, more than the whole memory budget of {} "
      "(FileJobOptions::memory_budget, --memory-budget in the CLI)",
      format_bytes(bytes), format_bytes(budget_));
}

bool MemoryAdmission::acquire(std::uint64_t bytes, const std::stop_token& stop) {
  if (!limited()) return true;
  std::unique_lock lock(mutex_);
  if (waiting_.empty() && fits(bytes)) {
    in_use_ += bytes;
    return true;
  }
  const auto ticket = waiting_.insert(waiting_.end(), next_ticket_++);
  spdlog::debug("waiting for {} of the memory budget ({} of {} in use)", format_bytes(bytes), format_bytes(in_use_),
                format_bytes(budget_));
  const bool admitted = changed_.wait(lock, stop, [&] { return waiting_.begin() == ticket && fits(bytes); });
  waiting_.erase(ticket);
  if (admitted) in_use_ += bytes;
  changed_.notify_all();  // the next in line may fit too, or is first now
  return admitted;
}

bool MemoryAdmission::try_acquire(std::uint64_t bytes) {
  if (!limited()) return true;
  const std::lock_guard lock(mutex_);
  if (!waiting_.empty() || !fits(bytes)) return false;
  in_use_ += bytes;
  return true;
}

void MemoryAdmission::release(std::uint64_t bytes) {
  if (!limited() || bytes == 0) return;
  {
    const std::lock_guard lock(mutex_);
    in_use_ -= std::min(bytes, in_use_);
  }
  changed_.notify_all();
}

JobAdmission::JobAdmission(const FileJobOptions& options, std::span<const FileJob> jobs)
    : admission_(options),
      jobs_(jobs),
      estimate_(admission_.limited() ? jobs.size() : 0),
      held_(admission_.limited() ? jobs.size() : 0) {}

JobAdmission::Outcome JobAdmission::admit(std::size_t job, std::string& why) {
  if (!limited()) return Outcome::admitted;
  if (!estimate_[job]) estimate_[job] = admission_.estimate(jobs_[job]);
  const std::uint64_t bytes = *estimate_[job];
  why = admission_.refusal(bytes);
  if (!why.empty()) return Outcome::refused;
  if (!admission_.try_acquire(bytes)) return Outcome::wait;
  held_[job] = bytes;
  return Outcome::admitted;
}

void JobAdmission::release(std::size_t job) noexcept {
  if (!limited() || held_[job] == 0) return;
  admission_.release(held_[job]);
  held_[job] = 0;
}

UnflushedFileTask run_admitted_file_task(MemoryAdmission& admission, const FilterChain& chain, const FileJob& job,
                                         const FileJobOptions& options, int worker, bool profile_stages,
                                         const std::stop_token& stop) {
  const std::uint64_t bytes = admission.estimate(job);
  if (std::string why = admission.refusal(bytes); !why.empty()) {
    TaskRecord record;
    record.image = job.input.filename().string();
    record.worker = worker;
    record.pid = current_pid();
    record.tid = current_tid();
    record.start_s = record.end_s = monotonic_seconds();
    record.error = std::move(why);
    return {std::move(record), {}};
  }
  if (!admission.acquire(bytes, stop)) return {cancelled_task_record(job.input.filename().string()), {}};
  struct Release {
    MemoryAdmission& admission;
    std::uint64_t bytes;
    ~Release() { admission.release(bytes); }
  } release{admission, bytes};
  return run_unflushed_file_task(chain, job, options, worker, profile_stages);
}

}  // namespace pipeline::detail
