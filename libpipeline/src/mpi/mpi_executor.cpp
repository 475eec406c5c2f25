#include "pipeline/mpi/mpi_executor.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "io/encoded_task.hpp"
#include "mpi/rank_scheduler.hpp"
#include "mpi/same_host.hpp"
#include "mpi/world.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/mpi/ranks.hpp"
#include "pipeline/paradigm.hpp"
#include "pipeline/timing.hpp"
#include "process_pool/pixel_placement.hpp"
#include "process_pool/shared_arena.hpp"

namespace pipeline {
namespace detail::mpi {
namespace {

// Images: to a rank that maps rank 0's shared image memory, an image there goes in place (only the frame travels,
// the rank writes the output into an image allocated for it); to any other, its samples follow the task frame and
// the output comes back behind the result frame.
class ImageJobs final : public RankJobs {
 public:
  explicit ImageJobs(std::span<const NamedImage> batch) : batch_(batch), placed_(batch.size()) {}
  [[nodiscard]] std::size_t size() const override { return batch_.size(); }
  [[nodiscard]] std::string name_of(std::size_t i) const override { return batch_[i].name; }
  [[nodiscard]] std::vector<std::size_t> order() const override { return largest_first(batch_); }
  [[nodiscard]] TaskMessage message(std::size_t i, bool maps_images) override {
    const NamedImage& input = batch_[i];
    if (maps_images) {
      if (std::optional<ArenaTask> placed = arena_task(i, input)) {
        TaskMessage message{std::move(placed->frame), {}, {}};
        placed_[i] = std::move(placed);
        return message;
      }
    }
    return {wire::encode_task_prefix(i, input.name, input.image), input.image.bytes(), {}};
  }
  [[nodiscard]] wire::FrameType result_type() const override { return wire::FrameType::result; }
  std::pair<std::uint64_t, TaskRecord> accept(const FrameParts& frame, Inbox& inbox, int source,
                                              BatchResult& result) override {
    const SharedArena* arena = SharedArena::active();
    const wire::MappedBytes mapped{0, arena != nullptr ? arena->capacity() : 0};
    wire::Result decoded = frame.samples_follow > 0 ? wire::decode_result_prefix(frame.payload, frame.samples_follow)
                                                    : wire::decode_result(frame.payload, mapped);
    if (frame.samples_follow > 0) inbox.receive_samples(source, decoded.output.bytes());
    if (decoded.index >= batch_.size()) throw wire::ProtocolError(fmt::format("result for task {}", decoded.index));
    std::optional<ArenaTask> placed = std::move(placed_[decoded.index]);
    placed_[decoded.index].reset();
    if (decoded.output_in_segment) {
      if (!placed)
        throw wire::ProtocolError(fmt::format("task {}'s output in place, where none was offered", decoded.index));
      decoded.output = take_arena_output(*decoded.output_in_segment, placed->output_area, placed->output);
      ++result.in_place_tasks;
    }
    result.tasks[decoded.index].output = std::move(decoded.output);
    return {decoded.index, std::move(decoded.record)};
  }

 private:
  std::span<const NamedImage> batch_;
  std::vector<std::optional<ArenaTask>> placed_;  // the tasks in flight in place: their output images
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
  [[nodiscard]] TaskMessage message(std::size_t i, bool) override {
    auto [bytes, error] = read_whole(jobs_[i].input);
    if (!bytes) return {{}, {}, std::move(error)};
    wire::EncodedTask task{i, name_of(i), options_.output, options_.decode, *bytes};
    return {wire::encode_encoded_task(task), {}, {}};
  }
  [[nodiscard]] wire::FrameType result_type() const override { return wire::FrameType::encoded_result; }
  std::pair<std::uint64_t, TaskRecord> accept(const FrameParts& frame, Inbox&, int, BatchResult&) override {
    wire::EncodedResult decoded = wire::decode_encoded_result(frame.payload);
    if (decoded.index >= jobs_.size()) throw wire::ProtocolError(fmt::format("result for task {}", decoded.index));
    if (decoded.record.ok()) {
      try {
        write_encoded_atomic(decoded.output_file, jobs_[decoded.index].output);
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
                     [](int workers) { return mpi_unavailable(workers); },
                     // Every worker rank: the job was launched with that many for this.
                     [] { return std::max(1, mpi_worker_ranks()); }});
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

// What the job's ranks on this host share with rank 0 (same_host.hpp): offered at the first start, and again once
// shared image memory is on.
detail::mpi::RootLinks& same_host_links(double timeout_s) {
  auto* world = detail::mpi::world();
  if (!world->links) world->links.emplace();
  detail::mpi::offer_same_host(world->workers, *world->links, timeout_s);
  return *world->links;
}

// The run's ranks, and what each shares with rank 0. Only images in place make every message small.
std::vector<detail::mpi::RunRank> run_ranks(int workers, const detail::mpi::RootLinks& links, bool images) {
  std::vector<detail::mpi::RunRank> ranks;
  const auto& all = detail::mpi::world()->workers;
  for (std::size_t i = 0; i < static_cast<std::size_t>(workers); ++i) {
    ranks.push_back({all[i], i < links.maps_images.size() && links.maps_images[i],
                     i < links.ringers.size() && links.ringers[i] ? &*links.ringers[i] : nullptr,
                     images && i < links.rings_root.size() && links.rings_root[i] && links.maps_images[i]});
  }
  return ranks;
}

}  // namespace

void MpiExecutor::start() {
  if (started_) return;
  auto* world = detail::mpi::world();
  const std::scoped_lock lock(world->runs);
  detail::mpi::start_ranks(ranks_of(workers_), options_);
  (void)same_host_links(options_.start_timeout_s);
  started_ = true;
  ready_s_ = monotonic_seconds();
}

BatchResult MpiExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                    const RunOptions& options) {
  start();
  detail::mpi::ImageJobs jobs(batch);
  const std::scoped_lock lock(detail::mpi::world()->runs);
  const auto& links = same_host_links(options_.start_timeout_s);
  BatchResult result =
      detail::mpi::run_on_ranks(jobs, chain, run_ranks(workers_, links, true), &links.bell, options_, options);
  result.ready_s = ready_s_;
  return result;
}

BatchResult MpiExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                       const FileJobOptions& file_options, const RunOptions& options) {
  start();
  detail::mpi::FileJobs file_jobs(jobs, file_options);
  const std::scoped_lock lock(detail::mpi::world()->runs);
  const auto& links = same_host_links(options_.start_timeout_s);
  BatchResult result =
      detail::mpi::run_on_ranks(file_jobs, chain, run_ranks(workers_, links, false), &links.bell, options_, options);
  result.ready_s = ready_s_;
  return result;
}

}  // namespace pipeline
