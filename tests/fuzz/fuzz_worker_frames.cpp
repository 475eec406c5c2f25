// libFuzzer target: the worker's side of the process pool's protocol, the input being the worker's whole stdin.
// The real session runs (libpipeline/src/process_pool/worker_session.hpp): every frame read by the worker's frame
// reader (worker_frames.hpp), decoded, dispatched and acted upon in this process: the handshake, chains built from the
// registered filters, segment frames, tasks filtered inline or in shared memory, file tasks decoded, filtered and
// written through libvips. stdin and stdout are memfds; the effects on the process go to a sandbox
// (worker_sandbox.hpp; worker_frames_input.hpp says what it stands in for).
//
// Properties, for any input:
//  - the session returns 0, 1 or 2 and throws nothing; no sanitizer report, no allocation over -malloc_limit_mb
//    (which libFuzzer takes from -rss_limit_mb);
//  - it ends as the input says, worked out here from wire.hpp's decoders alone: 0 after whole frames, 1 at a frame
//    cut off, malformed or out of place (a task before an accepted chain, a segment frame without shared memory or
//    beyond the file, ...), 2 after a refused handshake, which is answered by one error frame;
//  - it answers every frame it accepts, in order and with the frame due: hello with this process's pid, ready with
//    the run id or error as parse_filter_chain takes the chain's spec or not, a result with the task's index,
//    file started then, perhaps after later file tasks' file started, file result with the task's index (before
//    any other answer), nothing for a segment frame. Every answer decodes and re-encodes to the same bytes; a result in
//    shared memory is in the task's output area, within its capacity; a file task that succeeded left its output;
//  - the frame reader alone, allowed the largest frame size a handshake may ask for, returns exactly the frames a
//    split by their headers gives, a cut-off frame as FrameCutOff, a bad header as ProtocolError; and its buffer
//    never holds more than twice the input plus two chunks (frame_payload.hpp), whatever size a header declares.
//
// Not covered: what serve_worker() does around the session (moving fds 0 and 1, the stderr logger, signal
// dispositions, applying the handshake's log level and libvips settings, tuning the allocator: the sandbox skips
// them, as the fuzzer's own process must keep its logging off and its threads few); the descriptors a handshake
// names (the sandbox's memfds stand in, adopted by the real SharedSegment and ArenaMapping); file tasks on paths
// other than bare file names (the sandbox refuses them as failed tasks, touching no file); short reads (a memfd
// returns whole reads; read_up_to loops on any) and a parent gone from the worker's stdout (EPIPE).

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "pipeline/filter_registry.hpp"
#include "process_pool/frame_payload.hpp"
#include "process_pool/wire.hpp"
#include "process_pool/worker_frames.hpp"
#include "process_pool/worker_session.hpp"
#include "task_recording.hpp"
#include "worker_frames_input.hpp"
#include "worker_sandbox.hpp"

namespace {

using namespace pipeline;
namespace fs = std::filesystem;
using Bytes = std::span<const std::uint8_t>;
using fuzz::bare_name;
using fuzz::Sandbox;
using fuzz::sandbox;
using fuzz::SandboxEnvironment;
using fuzz::setup_failed;

// The input split by its frame headers, apart from the worker's reader.
class Frames {
 public:
  enum class Next { frame, end, cut, bad };

  explicit Frames(Bytes input) : rest_(input) {}

  Next next(std::uint64_t max_frame_bytes, wire::FrameType& type, Bytes& payload) {
    if (rest_.empty()) return Next::end;
    if (rest_.size() < wire::header_bytes) return Next::cut;
    wire::FrameHeader header;
    try {
      header = wire::decode_header(rest_.first(wire::header_bytes), max_frame_bytes);
    } catch (const wire::ProtocolError&) {
      return Next::bad;
    }
    rest_ = rest_.subspan(wire::header_bytes);
    if (rest_.size() < header.payload_bytes) return Next::cut;
    type = header.type;
    payload = rest_.first(static_cast<std::size_t>(header.payload_bytes));
    rest_ = rest_.subspan(payload.size());
    return Next::frame;
  }

 private:
  Bytes rest_;
};

// The session's answers, taken one at a time as they fall due.
class Answers {
 public:
  explicit Answers(Bytes output) : rest_(output) {}

  [[nodiscard]] bool done() const { return rest_.empty(); }

  // The type of the next answer, if its header decodes.
  [[nodiscard]] std::optional<wire::FrameType> next_type() const {
    if (rest_.size() < wire::header_bytes) return std::nullopt;
    try {
      return wire::decode_header(rest_.first(wire::header_bytes), wire::max_handshake_frame_bytes).type;
    } catch (const wire::ProtocolError&) {
      return std::nullopt;
    }
  }

  // The next answer, which must be a whole frame of `type` re-encoding to its own bytes; its payload decoded.
  template <typename Decode, typename Encode>
  auto expect(wire::FrameType type, Decode&& decode, Encode&& encode) {
    FUZZ_CHECK(rest_.size() >= wire::header_bytes, "the session answered every frame it accepted");
    wire::FrameView view{};
    try {
      const wire::FrameHeader header =
          wire::decode_header(rest_.first(wire::header_bytes), wire::max_handshake_frame_bytes);
      FUZZ_CHECK(rest_.size() - wire::header_bytes >= header.payload_bytes, "an answer is a whole frame");
      view = wire::split_frame(rest_.first(wire::header_bytes + static_cast<std::size_t>(header.payload_bytes)),
                               wire::max_handshake_frame_bytes);
    } catch (const wire::ProtocolError& error) {
      fuzz::unexpected_exception("an answer's header", error.what());
    }
    if (view.type != type) {
      std::fprintf(stderr, "answer: a %s frame, where a %s frame was due\n",
                   std::string(wire::to_string(view.type)).c_str(), std::string(wire::to_string(type)).c_str());
    }
    FUZZ_CHECK(view.type == type, "each answer is the frame due");
    const Bytes frame = rest_.first(wire::header_bytes + view.payload.size());
    rest_ = rest_.subspan(frame.size());
    try {
      auto decoded = decode(view.payload);
      const std::vector<std::uint8_t> again = encode(decoded);
      FUZZ_CHECK(std::equal(again.begin(), again.end(), frame.begin(), frame.end()),
                 "an answer re-encodes to its bytes");
      return decoded;
    } catch (const wire::ProtocolError& error) {
      fuzz::unexpected_exception("decoding an answer", error.what());
    }
  }

  void error() {
    (void)expect(wire::FrameType::error, wire::decode_error,
                 [](const std::string& message) { return wire::encode_error(message); });
  }

 private:
  Bytes rest_;
};

bool builds(const std::string& spec) {
  try {
    (void)parse_filter_chain(spec);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// True when [offset, offset + bytes) of shared image memory lies past the sandbox's file (within the capacity the
// decoder checked): ArenaMapping::bytes refuses it, where the session asks for it.
bool past_arena_file(wire::Memory memory, std::uint64_t offset, std::uint64_t bytes) {
  return memory == wire::Memory::arena && (offset > fuzz::arena_file_bytes || bytes > fuzz::arena_file_bytes - offset);
}

void check_result(Answers& answers, const wire::Task& task, wire::MappedBytes mapped) {
  const wire::Result result = answers.expect(
      wire::FrameType::result, [&](Bytes payload) { return wire::decode_result(payload, mapped); },
      [](const wire::Result& r) { return wire::encode_result(r); });
  FUZZ_CHECK(result.index == task.index, "a result has its task's index");
  if (result.output_in_segment) {
    const wire::SegmentImage& at = *result.output_in_segment;
    FUZZ_CHECK(!task.output.none() && at.memory == task.output.memory && at.offset == task.output.offset &&
                   at.shape.size_bytes() <= task.output.bytes,
               "a result in shared memory is in the task's output area");
  }
}

// File tasks started, whose results are due: the session sends a file task's result once its output is flushed,
// which its committer thread does while the session goes on to the next frame, so results come after later file
// tasks' file started frames, but before any other answer, and always in task order.
using StartedFiles = std::deque<wire::FileTask>;

void check_file_result(Answers& answers, const wire::FileTask& task, const Sandbox& box);

// The results due before any other answer.
void check_started_results(Answers& answers, StartedFiles& started, const Sandbox& box) {
  for (; !started.empty(); started.pop_front()) check_file_result(answers, started.front(), box);
}

void check_file_started(Answers& answers, const wire::FileTask& task, StartedFiles& started, const Sandbox& box) {
  while (!started.empty() && answers.next_type() == wire::FrameType::file_result) {
    check_file_result(answers, started.front(), box);
    started.pop_front();
  }
  const std::uint64_t index =
      answers.expect(wire::FrameType::file_started, wire::decode_file_started, wire::encode_file_started);
  FUZZ_CHECK(index == task.index, "file started gives the task's index");
  started.push_back(task);
}

void check_file_result(Answers& answers, const wire::FileTask& task, const Sandbox& box) {
  const wire::FileResult result = answers.expect(wire::FrameType::file_result, wire::decode_file_result,
                                                 [](const wire::FileResult& r) { return wire::encode_file_result(r); });
  FUZZ_CHECK(result.index == task.index, "a file result has its task's index");
  if (result.record.ok()) {
    const auto output = bare_name(task.output);
    FUZZ_CHECK(output && fs::is_regular_file(box.outputs() / *output), "a file task that succeeded left its output");
  }
}

// Walks the input as the session should have served it, taking its answers as they fall due; returns the exit code
// due. `code` is the one it returned, which decides where the walk cannot (see the task case).
int expected_session(Bytes input, int code, Answers& answers, const SandboxEnvironment& environment, const Sandbox& box,
                     StartedFiles& started) {
  using Next = Frames::Next;
  Frames frames(input);
  wire::FrameType type{};
  Bytes payload;
  switch (frames.next(wire::default_max_frame_bytes, type, payload)) {
    case Next::end: return 0;
    case Next::cut:
    case Next::bad: return 1;
    case Next::frame: break;
  }
  if (type != wire::FrameType::handshake) return 1;
  wire::Handshake handshake;
  try {
    handshake = wire::decode_handshake(payload);
  } catch (const wire::ProtocolError&) {
    answers.error();
    return 2;
  }
  const bool shared = handshake.transport == Transport::shared_memory;
  const bool has_arena = shared && handshake.arena_fd >= 0;
  FUZZ_CHECK(!environment.arena_refused || handshake.arena_bytes > (std::uint64_t{1} << 40),
             "shared image memory of up to 1 TiB of address space is adopted");
  if (handshake.version != wire::protocol_version || (shared && handshake.segment_bytes > fuzz::segment_file_bytes) ||
      environment.arena_refused) {
    answers.error();
    return 2;
  }
  const wire::Hello hello = answers.expect(wire::FrameType::hello, wire::decode_hello,
                                           [](const wire::Hello& h) { return wire::encode_hello(h); });
  FUZZ_CHECK(hello.version == wire::protocol_version && hello.pid == current_pid(), "hello gives the version and pid");

  std::uint64_t segment = shared ? handshake.segment_bytes : 0;
  const std::uint64_t arena = has_arena ? handshake.arena_bytes : 0;
  bool chain = false;
  for (;;) {
    switch (frames.next(handshake.max_frame_bytes, type, payload)) {
      case Next::end: return 0;
      case Next::cut:
      case Next::bad: return 1;
      case Next::frame: break;
    }
    try {
      switch (type) {
        case wire::FrameType::chain: {
          const wire::Chain frame = wire::decode_chain(payload);
          chain = builds(frame.spec);
          check_started_results(answers, started, box);
          if (chain) {
            const std::uint64_t run = answers.expect(wire::FrameType::ready, wire::decode_ready, wire::encode_ready);
            FUZZ_CHECK(run == frame.run, "ready gives the chain's run id");
          } else {
            answers.error();
          }
          break;
        }
        case wire::FrameType::segment: {
          const std::uint64_t bytes = wire::decode_segment(payload);
          if (!shared || bytes < segment || bytes > fuzz::segment_file_bytes) return 1;
          segment = bytes;
          break;
        }
        case wire::FrameType::task: {
          const wire::MappedBytes mapped{segment, arena};
          const wire::Task task = wire::decode_task(payload, mapped);
          if (!chain) return 1;
          check_started_results(answers, started, box);  // sent before the task's result, or as the session ends
          const auto& in = task.in_segment;
          if (in && past_arena_file(in->memory, in->offset, in->shape.size_bytes())) return 1;
          // An output area past the file is refused only if the session puts the output there, which depends on
          // what the chain makes of the image: either way is right, and the session's code tells which it took.
          if (!task.output.none() && past_arena_file(task.output.memory, task.output.offset, task.output.bytes) &&
              answers.done() && code == 1) {
            return 1;
          }
          check_result(answers, task, mapped);
          break;
        }
        case wire::FrameType::file_task: {
          const wire::FileTask task = wire::decode_file_task(payload);
          if (!chain) return 1;
          check_file_started(answers, task, started, box);
          break;
        }
        default: return 1;  // a frame only a worker sends, or a second handshake
      }
    } catch (const wire::ProtocolError&) {
      return 1;
    }
  }
}

// The frame reader alone (see the properties above).
void check_reader(int fd, Bytes input) {
  using Next = Frames::Next;
  if (::lseek(fd, 0, SEEK_SET) != 0) setup_failed("lseek");
  Frames frames(input);
  std::vector<std::uint8_t> payload;
  const std::size_t bound = 2 * input.size() + 2 * detail::payload_chunk_bytes;
  for (;;) {
    wire::FrameType type{};
    Bytes expected;
    const Next next = frames.next(wire::max_handshake_frame_bytes, type, expected);
    std::optional<wire::FrameType> got;
    bool cut = false;
    bool bad = false;
    try {
      got = detail::read_frame(fd, wire::max_handshake_frame_bytes, payload);
    } catch (const detail::FrameCutOff&) {
      cut = true;
    } catch (const wire::ProtocolError&) {
      bad = true;
    } catch (const std::exception& error) {
      fuzz::unexpected_exception("read_frame", error.what());
    }
    FUZZ_CHECK(payload.capacity() <= bound,
               "the reader's buffer grows with the bytes that came, not the size declared");
    switch (next) {
      case Next::end: FUZZ_CHECK(!got && !cut && !bad, "the reader ends where the frames end"); return;
      case Next::cut: FUZZ_CHECK(cut, "a frame cut off is FrameCutOff"); return;
      case Next::bad: FUZZ_CHECK(bad, "a bad header is a ProtocolError"); return;
      case Next::frame:
        FUZZ_CHECK(got && *got == type && std::equal(payload.begin(), payload.end(), expected.begin(), expected.end()),
                   "the reader returns each frame's type and payload");
        break;
    }
  }
}

}  // namespace

// libFuzzer calls this once before any input: the sandbox's set-up (libvips' first use among it) is then no part of
// an input's allocations, which its leak check compares. The replay program does not: the first input sets it up.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)sandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes input(data, size);
  Sandbox& box = sandbox();
  box.reset(input);
  SandboxEnvironment environment(box);
  int code = -1;
  try {
    code = detail::serve_session({box.in, box.out}, environment);
  } catch (const std::exception& error) {
    fuzz::unexpected_exception("serve_session", error.what());
  }
  FUZZ_CHECK(code == 0 || code == 1 || code == 2, "the session's exit code is 0, 1 or 2");
  const std::vector<std::uint8_t> output = box.answers();
  Answers answers(output);
  StartedFiles started;
  const int expected = expected_session(input, code, answers, environment, box, started);
  check_started_results(answers, started, box);  // however it ended, the session sent what it had flushed
  if (code != expected) std::fprintf(stderr, "the session returned %d, where %d was due\n", code, expected);
  FUZZ_CHECK(code == expected, "the session ends with the exit code due");
  FUZZ_CHECK(answers.done(), "the session answers nothing more than the frames it accepted");
  check_reader(box.in, input);
  return 0;
}
