#pragma once
// Private to the library: what a pool run sends its workers and what comes back, for either kind of run: images
// (ImageJobs: samples inline, through the worker's segment, or in place in shared image memory) or file jobs
// (FileJobs: paths in, a record out, admitted by memory). The run (pool_run) owns the queue and the workers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/memory_admission.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/process_pool_options.hpp"
#include "process_pool/wire.hpp"
#include "process_pool/worker_slot.hpp"

namespace pipeline::detail {

// A task made ready for a worker, or why it is not sent.
struct PreparedTask {
  enum class Outcome {
    send,             // `frames` go out, `in_flight` is what the worker owes
    wait_for_worker,  // after the worker's task in flight (the segment holds one image)
    wait_for_memory,  // until a result frees room in the memory budget
    failed,           // on this worker, with `error`, without being sent
    refused,          // by the run itself, with `error`: no worker saw it
  };
  Outcome outcome = Outcome::send;
  std::vector<OutgoingFrame> frames;
  InFlight in_flight;
  std::uint64_t copied_bytes = 0;  // samples copied into shared memory for it (TaskRecord::bytes_sent)
  std::string error;
};

// A task's answer, decoded: what the worker recorded and where its output is.
struct TaskAnswer {
  std::uint64_t index = 0;
  TaskRecord record;
  Image output;                                 // inline
  std::optional<wire::SegmentImage> output_at;  // or in shared memory
};

class JobSource {
 public:
  virtual ~JobSource() = default;

  [[nodiscard]] virtual std::size_t count() const noexcept = 0;
  // The order the tasks are first sent in.
  [[nodiscard]] virtual std::vector<std::size_t> order() const = 0;
  [[nodiscard]] virtual std::string name_of(std::size_t i) const = 0;
  // TaskRecord::pixels of a task that failed in the parent.
  [[nodiscard]] virtual std::uint64_t pixels_of(std::size_t i) const noexcept = 0;
  // Tasks in flight at once on the worker in `s`.
  [[nodiscard]] virtual std::size_t in_flight_limit(const Slot& s) const noexcept = 0;

  // Task `i` for the worker in `s` (whose segment may grow for it).
  [[nodiscard]] virtual PreparedTask prepare(Slot& s, std::size_t i) = 0;
  // The frame that answers a task; its decoding. Throws wire::ProtocolError.
  [[nodiscard]] virtual wire::FrameType answer_type() const noexcept = 0;
  [[nodiscard]] virtual TaskAnswer decode(const Slot& s) const = 0;
  // The output of `task`, answered by `answer`; `received` grows by the samples copied out of shared memory, and
  // `in_place` is set when the output was written where it is. Throws wire::ProtocolError.
  [[nodiscard]] virtual Image take_output(Slot& s, InFlight& task, TaskAnswer& answer, std::uint64_t& received,
                                          bool& in_place) const = 0;

  // Memory budget: whether one applies, and a task's share coming back (sent again, it is admitted again).
  [[nodiscard]] virtual bool memory_limited() const noexcept { return false; }
  virtual void release(std::size_t /*i*/) noexcept {}
  // Tidies what the worker `pid`, dead while on task `i`, may have left behind.
  virtual void clean_after(std::size_t /*i*/, std::int64_t /*pid*/) const noexcept {}
};

// A batch of images in memory, sent largest first.
class ImageJobs final : public JobSource {
 public:
  ImageJobs(std::span<const NamedImage> images, const ProcessPoolOptions& options)
      : images_(images), options_(options) {}

  [[nodiscard]] std::size_t count() const noexcept override { return images_.size(); }
  [[nodiscard]] std::vector<std::size_t> order() const override { return largest_first(images_); }
  [[nodiscard]] std::string name_of(std::size_t i) const override { return images_[i].name; }
  [[nodiscard]] std::uint64_t pixels_of(std::size_t i) const noexcept override {
    return images_[i].image.pixel_count();
  }
  [[nodiscard]] std::size_t in_flight_limit(const Slot& s) const noexcept override;
  [[nodiscard]] PreparedTask prepare(Slot& s, std::size_t i) override;
  [[nodiscard]] wire::FrameType answer_type() const noexcept override { return wire::FrameType::result; }
  [[nodiscard]] TaskAnswer decode(const Slot& s) const override;
  [[nodiscard]] Image take_output(Slot& s, InFlight& task, TaskAnswer& answer, std::uint64_t& received,
                                  bool& in_place) const override;

 private:
  [[nodiscard]] std::optional<PreparedTask> in_place(std::size_t i, double sent_at) const;
  [[nodiscard]] PreparedTask through_segment(Slot& s, std::size_t i, double sent_at) const;

  std::span<const NamedImage> images_;
  const ProcessPoolOptions& options_;
};

// File jobs: each worker decodes, filters and writes its own, under the run's memory budget.
class FileJobs final : public JobSource {
 public:
  FileJobs(std::span<const FileJob> jobs, const FileJobOptions& options)
      : jobs_(jobs), options_(options), memory_(options, jobs) {}

  [[nodiscard]] std::size_t count() const noexcept override { return jobs_.size(); }
  [[nodiscard]] std::vector<std::size_t> order() const override;
  [[nodiscard]] std::string name_of(std::size_t i) const override { return jobs_[i].input.filename().string(); }
  [[nodiscard]] std::uint64_t pixels_of(std::size_t) const noexcept override { return 0; }
  [[nodiscard]] std::size_t in_flight_limit(const Slot& s) const noexcept override;
  [[nodiscard]] PreparedTask prepare(Slot& s, std::size_t i) override;
  [[nodiscard]] wire::FrameType answer_type() const noexcept override { return wire::FrameType::file_result; }
  [[nodiscard]] TaskAnswer decode(const Slot& s) const override;
  [[nodiscard]] Image take_output(Slot&, InFlight&, TaskAnswer&, std::uint64_t&, bool&) const override {
    return Image();
  }
  [[nodiscard]] bool memory_limited() const noexcept override { return memory_.limited(); }
  void release(std::size_t i) noexcept override { memory_.release(i); }
  void clean_after(std::size_t i, std::int64_t pid) const noexcept override;

 private:
  std::span<const FileJob> jobs_;
  FileJobOptions options_;
  JobAdmission memory_;
};

}  // namespace pipeline::detail
