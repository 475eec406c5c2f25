#include "process_pool/job_source.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <numeric>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/temporary_output.hpp"
#include "process_pool/pixel_placement.hpp"
#include "process_pool/shared_arena.hpp"

namespace pipeline::detail {
namespace {

// Tasks in flight per worker. One image: its samples occupy the worker's segment until the result is back (and
// with the pipe, memory stays one image per worker). Two file jobs: the next is waiting in the worker's stdin when
// it finishes one, and the pipe holds only paths.
constexpr std::size_t images_in_flight = 1;
constexpr std::size_t files_in_flight = 2;
// Images in place (shared image memory) take no room in the segment: two, so the next is waiting in the worker's
// stdin when it finishes one, and it never idles for the round trip to the parent.
constexpr std::size_t images_in_place_in_flight = 2;

PreparedTask not_sent(PreparedTask::Outcome outcome, std::string error = {}) {
  PreparedTask task;
  task.outcome = outcome;
  task.error = std::move(error);
  return task;
}

PreparedTask failed(std::string error) { return not_sent(PreparedTask::Outcome::failed, std::move(error)); }

// Removes the temporary files (temporary_output.hpp) the dead worker `pid` left for `output`: it was killed
// between writing one and renaming it over the output.
void remove_temporaries(const std::filesystem::path& output, std::int64_t pid) noexcept {
  try {
    std::error_code error;
    const auto folder = output.has_parent_path() ? output.parent_path() : std::filesystem::path(".");
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      if (is_temporary_output(entry.path().filename().string(), output, pid)) {
        spdlog::warn("removing '{}', left by worker {}", entry.path().string(), pid);
        std::filesystem::remove(entry.path(), error);
      }
    }
  } catch (const std::exception&) {
    // Only tidying up: the job itself is retried or reported either way.
  }
}

}  // namespace

std::size_t ImageJobs::in_flight_limit(const Slot& s) const noexcept {
  return s.arena ? images_in_place_in_flight : images_in_flight;
}

PreparedTask ImageJobs::prepare(Slot& s, std::size_t i) {
  const NamedImage& input = images_[i];
  if (input.image.empty()) return failed("empty image");
  if (input.name.size() > wire::max_text_bytes) return failed("an image name longer than the protocol carries");
  const double sent_at = monotonic_seconds();
  if (s.arena) {
    if (auto task = in_place(i, sent_at)) return std::move(*task);
  }
  // The segment holds one image at a time: the next waits for the one in flight.
  if (!s.in_flight.empty()) return not_sent(PreparedTask::Outcome::wait_for_worker);
  if (options_.transport == Transport::shared_memory) return through_segment(s, i, sent_at);
  if (wire::task_frame_bytes(input.name, input.image) - wire::header_bytes > options_.max_frame_bytes) {
    // Never sent: the worker would reject the frame and be counted as a crash.
    return failed(
        fmt::format("the image's frame of {} bytes exceeds the process pool's maximum frame size of {} "
                    "bytes (ProcessPoolOptions::max_frame_bytes)",
                    wire::task_frame_bytes(input.name, input.image), options_.max_frame_bytes));
  }
  PreparedTask task;
  task.in_flight = {i, sent_at, {}, Image()};
  task.frames.push_back({wire::encode_task_prefix(i, input.name, input.image), input.image.bytes(), i});
  return task;
}

// The samples are copied into the worker's segment, which grows for them if need be.
PreparedTask ImageJobs::through_segment(Slot& s, std::size_t i, double sent_at) const {
  const NamedImage& input = images_[i];
  const SegmentLayout layout = segment_layout(input.image);
  PreparedTask task;
  if (layout.needed_bytes > s.segment.size()) {
    try {
      s.segment.grow(grown_segment_bytes(s.segment.size(), layout.needed_bytes));
    } catch (const std::exception& error) {
      return failed(fmt::format("cannot grow the shared segment to {} bytes: {}", layout.needed_bytes, error.what()));
    }
    task.frames.push_back({wire::encode_segment(s.segment.size()), {}, i});
  }
  std::copy(input.image.bytes().begin(), input.image.bytes().end(), s.segment.bytes().begin());
  task.copied_bytes = input.image.size_bytes();
  const wire::SegmentArea output{layout.output_offset, s.segment.size() - layout.output_offset};
  task.in_flight = {i, sent_at, output, Image()};
  task.frames.push_back(
      {wire::encode_segment_task(i, input.name, {wire::ImageShape::of(input.image), 0}, output), {}, i});
  return task;
}

// Shared image memory: no sample copied (arena_task). Nothing when the image is elsewhere or there is no room.
std::optional<PreparedTask> ImageJobs::in_place(std::size_t i, double sent_at) const {
  std::optional<ArenaTask> placed = arena_task(i, images_[i]);
  if (!placed) return std::nullopt;
  PreparedTask task;
  task.in_flight = {i, sent_at, placed->output_area, std::move(placed->output)};
  task.frames.push_back({std::move(placed->frame), {}, i});
  return task;
}

TaskAnswer ImageJobs::decode(const Slot& s) const {
  const SharedArena* arena = SharedArena::active();
  const wire::MappedBytes mapped{s.segment.size(), s.arena && arena != nullptr ? arena->capacity() : 0};
  wire::Result result = wire::decode_result(s.channel.payload(), mapped);
  return {result.index, std::move(result.record), std::move(result.output), result.output_in_segment};
}

Image ImageJobs::take_output(Slot& s, InFlight& task, TaskAnswer& answer, std::uint64_t& received,
                             bool& in_place) const {
  if (!answer.output_at) return std::move(answer.output);
  const wire::SegmentImage& at = *answer.output_at;
  if (at.memory == wire::Memory::arena) {
    // Written in place: the image allocated for it is the output, if the worker wrote it as allocated.
    in_place = true;
    return take_arena_output(at, task.output, task.output_image);
  }
  check_output_in_area(at, task.output);
  const auto samples =
      s.segment.bytes().subspan(static_cast<std::size_t>(at.offset), static_cast<std::size_t>(at.shape.size_bytes()));
  received += samples.size();
  return image_copied_from(samples, at.shape);
}

std::vector<std::size_t> FileJobs::order() const {
  std::vector<std::size_t> order(jobs_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  return order;
}

std::size_t FileJobs::in_flight_limit(const Slot&) const noexcept { return files_in_flight; }

PreparedTask FileJobs::prepare(Slot&, std::size_t i) {
  const FileJob& job = jobs_[i];
  const wire::FileTask task{i, job.input.native(), job.output.native(), options_.output, options_.decode};
  if (task.input.size() > wire::max_text_bytes || task.output.size() > wire::max_text_bytes) {
    return failed("a path longer than the process pool's protocol carries");
  }
  // Refused here with their reason, rather than by the worker, which would take them for a broken frame and exit.
  for (const std::string* path : {&task.input, &task.output}) {
    if (const char* refusal = wire::file_task_path_refusal(*path)) return failed(refusal);
  }
  try {
    check_output_format(task.output_format);
  } catch (const std::invalid_argument& error) {
    return failed(fmt::format("{} output {}", to_string(task.output_format.format), error.what()));
  }
  std::string refusal;
  switch (memory_.admit(i, refusal)) {
    case JobAdmission::Outcome::refused: return not_sent(PreparedTask::Outcome::refused, std::move(refusal));
    case JobAdmission::Outcome::wait: return not_sent(PreparedTask::Outcome::wait_for_memory);
    case JobAdmission::Outcome::admitted: break;
  }
  PreparedTask prepared;
  prepared.in_flight = {i, monotonic_seconds(), {}, Image()};
  prepared.frames.push_back({wire::encode_file_task(task), {}, i});
  return prepared;
}

TaskAnswer FileJobs::decode(const Slot& s) const {
  wire::FileResult result = wire::decode_file_result(s.channel.payload());
  return {result.index, std::move(result.record), Image(), std::nullopt};
}

void FileJobs::clean_after(std::size_t i, std::int64_t pid) const noexcept { remove_temporaries(jobs_[i].output, pid); }

}  // namespace pipeline::detail
