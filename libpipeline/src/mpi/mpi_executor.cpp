#include "pipeline/mpi/mpi_executor.hpp"

#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "io/encoded_task.hpp"
#include "mpi/rank_scheduler.hpp"
#include "mpi/world.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/mpi/ranks.hpp"
#include "pipeline/paradigm.hpp"
#include "pipeline/timing.hpp"

namespace pipeline {
namespace detail::mpi {
namespace {

// Images: each travels as a task frame, its samples behind the fields; the output comes back in the result frame.
class ImageJobs final : public RankJobs {
 public:
  explicit ImageJobs(std::span<const NamedImage> batch) : batch_(batch) {}
  [[nodiscard]] std::size_t size() const override { return batch_.size(); }
  [[nodiscard]] std::string name_of(std::size_t i) const override { return batch_[i].name; }
  [[nodiscard]] std::vector<std::size_t> order() const override { return largest_first(batch_); }
  [[nodiscard]] TaskMessage message(std::size_t i) override {
    const NamedImage& input = batch_[i];
    return {wire::encode_task_prefix(i, input.name, input.image), input.image.bytes(), {}};
  }
  [[nodiscard]] wire::FrameType result_type() const override { return wire::FrameType::result; }
  std::pair<std::uint64_t, TaskRecord> accept(const FrameParts& frame,
                                              const std::function<void(std::span<std::uint8_t>)>& receive_samples,
                                              BatchResult& result) override {
    wire::Result decoded = frame.samples_follow > 0 ? wire::decode_result_prefix(frame.payload, frame.samples_follow)
                                                    : wire::decode_result(frame.payload);
    if (frame.samples_follow > 0) receive_samples(decoded.output.bytes());
    if (decoded.index >= batch_.size()) throw wire::ProtocolError(fmt::format("result for task {}", decoded.index));
    result.tasks[decoded.index].output = std::move(decoded.output);
    return {decoded.index, std::move(decoded.record)};
  }

 private:
  std::span<const NamedImage> batch_;
};

// Whole-file bytes, or the reason they cannot be read.
std::pair<std::shared_ptr<const std::vector<std::uint8_t>>, std::string> read_whole(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return {nullptr, "the file does not exist"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {nullptr, "cannot open the file"};
  auto bytes =
      std::make_shared<std::vector<std::uint8_t>>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return {nullptr, "cannot read the file"};
  if (bytes->empty()) return {nullptr, "the file is empty"};
  return {std::move(bytes), {}};
}

// Files: rank 0 reads each input when it is sent (so only those in flight are in memory), the rank sends back the
// PNG, and rank 0 writes it atomically.
class FileJobs final : public RankJobs {
 public:
  FileJobs(std::span<const FileJob> jobs, const FileJobOptions& options) : jobs_(jobs), options_(options) {}
  [[nodiscard]] std::size_t size() const override { return jobs_.size(); }
  [[nodiscard]] std::string name_of(std::size_t i) const override { return jobs_[i].input.filename().string(); }
  [[nodiscard]] std::vector<std::size_t> order() const override {
    std::vector<std::size_t> order(jobs_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    return order;
  }
  [[nodiscard]] TaskMessage message(std::size_t i) override {
    auto [bytes, error] = read_whole(jobs_[i].input);
    if (!bytes) return {{}, {}, std::move(error)};
    wire::EncodedTask task{i, name_of(i), options_.png_compression, options_.decode, *bytes};
    return {wire::encode_encoded_task(task), {}, {}};
  }
  [[nodiscard]] wire::FrameType result_type() const override { return wire::FrameType::encoded_result; }
  std::pair<std::uint64_t, TaskRecord> accept(const FrameParts& frame,
                                              const std::function<void(std::span<std::uint8_t>)>&,
                                              BatchResult&) override {
    wire::EncodedResult decoded = wire::decode_encoded_result(frame.payload);
    if (decoded.index >= jobs_.size()) throw wire::ProtocolError(fmt::format("result for task {}", decoded.index));
    if (decoded.record.ok()) {
      try {
        write_encoded_atomic(decoded.png, jobs_[decoded.index].output);
      } catch (const ImageIoError& error) {
        decoded.record.error = error.reason();
      }
    }
    return {decoded.index, std::move(decoded.record)};
  }

 private:
  std::span<const FileJob> jobs_;
  const FileJobOptions& options_;
};

}  // namespace

void register_mpi_executor() {
  register_executor(std::string(name_of(Paradigm::mpi)),
                    {[](int workers, const ProcessPoolOptions& pool) -> std::unique_ptr<Executor> {
                       return std::make_unique<MpiExecutor>(
                           workers, MpiOptions{pool.vips, pool.task_timeout.seconds, pool.start_timeout_seconds});
                     },
                     [](int workers) { return mpi_unavailable(workers); }});
}

}  // namespace detail::mpi

MpiExecutor::MpiExecutor(int workers, MpiOptions options) : workers_(workers), options_(options) {
  if (workers < 1) throw std::invalid_argument(fmt::format("worker count must be >= 1, got {}", workers));
  if (const std::string why = mpi_unavailable(workers); !why.empty()) throw MpiUnavailable(why);
}

MpiExecutor::~MpiExecutor() = default;

std::string MpiExecutor::name() const { return std::string(name_of(Paradigm::mpi)); }

namespace {

std::span<const MpiRank> ranks_of(int workers) {
  const auto& all = detail::mpi::world()->workers;
  return std::span<const MpiRank>(all).first(static_cast<std::size_t>(workers));
}

}  // namespace

void MpiExecutor::start() {
  if (started_) return;
  auto* world = detail::mpi::world();
  const std::scoped_lock lock(world->runs);
  detail::mpi::start_ranks(ranks_of(workers_), options_);
  started_ = true;
  ready_s_ = monotonic_seconds();
}

BatchResult MpiExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                    const RunOptions& options) {
  start();
  detail::mpi::ImageJobs jobs(batch);
  const std::scoped_lock lock(detail::mpi::world()->runs);
  BatchResult result = detail::mpi::run_on_ranks(jobs, chain, ranks_of(workers_), options_, options);
  result.ready_s = ready_s_;
  return result;
}

BatchResult MpiExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                       const FileJobOptions& file_options, const RunOptions& options) {
  start();
  detail::mpi::FileJobs file_jobs(jobs, file_options);
  const std::scoped_lock lock(detail::mpi::world()->runs);
  BatchResult result = detail::mpi::run_on_ranks(file_jobs, chain, ranks_of(workers_), options_, options);
  result.ready_s = ready_s_;
  return result;
}

}  // namespace pipeline
