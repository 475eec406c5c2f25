// Writes the seed corpus of the fuzz targets: `fuzz_make_seeds tests/fuzz/corpus` (README: "Fuzzing").
// The wire seeds are valid frames from the library's own encoders, laid out as wire_input.hpp says, so the fuzzer
// starts from every frame type, every image placement and both transports. The worker_frames seeds are whole
// sessions as a parent sends them (worker_frames_input.hpp), each path of the session at least once: both
// transports, every placement, file tasks on each sandbox input, and each way a session ends. The others are a few
// valid texts.
// Rerun it when the protocol changes, and commit what it writes.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "process_pool/wire.hpp"
#include "wire_input.hpp"
#include "worker_frames_input.hpp"

namespace {

using namespace pipeline;
namespace fs = std::filesystem;

void write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// mode, the mapped sizes where the mode has them, then the frame (whole, or its payload).
void write_wire(const fs::path& dir, const std::string& name, fuzz::WireMode mode,
                const std::vector<std::uint8_t>& frame, wire::MappedBytes mapped = {}) {
  std::string bytes(1, static_cast<char>(mode));
  const bool has_mapped =
      mode == fuzz::WireMode::frame || mode == fuzz::WireMode::task || mode == fuzz::WireMode::result;
  if (has_mapped) {
    put_u64(bytes, mapped.segment);
    put_u64(bytes, mapped.arena);
  }
  const std::size_t skip = mode == fuzz::WireMode::frame ? 0 : wire::header_bytes;
  bytes.append(frame.begin() + static_cast<std::ptrdiff_t>(skip), frame.end());
  write(dir / "wire" / name, bytes);
}

TaskRecord record(std::string error = {}) {
  TaskRecord r;
  r.pid = 4242;
  r.tid = 4243;
  r.cpu_start = 0;
  r.cpu_end = 1;
  r.start_s = 1.5;
  r.end_s = 1.75;
  r.pixels = 6;
  r.error = std::move(error);
  return r;
}

void wire_seeds(const fs::path& dir) {
  using M = fuzz::WireMode;
  const Image rgb(2, 3, 3, SampleFormat::u8, std::vector<std::uint8_t>(18, 7));
  const Image grey16(2, 1, 1, SampleFormat::u16, {1, 2, 3, 4});
  const wire::MappedBytes mapped{4096, 65536};
  const wire::SegmentImage in_segment{{2, 3, 1, SampleFormat::u8}, 64, wire::Memory::segment};
  const wire::SegmentImage in_arena{{2, 3, 3, SampleFormat::u8}, 4096, wire::Memory::arena};

  std::string header(1, static_cast<char>(M::header));
  put_u64(header, wire::default_max_frame_bytes);
  const auto ready = wire::encode_ready(7);
  header.append(ready.begin(), ready.begin() + wire::header_bytes);
  write(dir / "wire" / "header-ready", header);

  write_wire(dir, "frame-task-inline", M::frame, wire::encode_task(1, "a.png", rgb), mapped);
  write_wire(dir, "frame-chain", M::frame, wire::encode_chain({3, false, "grayscale,blur"}), mapped);
  write_wire(dir, "handshake-pipe", M::handshake, wire::encode_handshake({}));
  wire::Handshake shared;
  shared.transport = Transport::shared_memory;
  shared.segment_fd = 3;
  shared.segment_bytes = 4096;
  shared.arena_fd = 4;
  shared.arena_bytes = 65536;
  write_wire(dir, "handshake-shared", M::handshake, wire::encode_handshake(shared));
  write_wire(dir, "hello", M::hello, wire::encode_hello({wire::protocol_version, 1234}));
  write_wire(dir, "error", M::error, wire::encode_error("unknown filter 'x'"));
  write_wire(dir, "chain", M::chain, wire::encode_chain({7, true, "grayscale,brightness=1.2"}));
  write_wire(dir, "ready", M::ready, wire::encode_ready(7));
  write_wire(dir, "file-started", M::file_started, wire::encode_file_started(3));
  write_wire(dir, "segment", M::segment, wire::encode_segment(8192));
  write_wire(dir, "task-inline", M::task, wire::encode_task(2, "b.jpg", grey16), mapped);
  write_wire(dir, "task-segment", M::task,
             wire::encode_segment_task(3, "c", in_segment, {1024, 6, wire::Memory::segment}), mapped);
  write_wire(dir, "task-arena", M::task, wire::encode_segment_task(4, "d", in_arena, {8192, 6, wire::Memory::arena}),
             mapped);
  write_wire(dir, "result-inline", M::result, wire::encode_result({5, record(), rgb, std::nullopt}), mapped);
  write_wire(dir, "result-failed", M::result, wire::encode_result({6, record("blur failed"), Image(), std::nullopt}),
             mapped);
  write_wire(dir, "result-segment", M::result, wire::encode_result({7, record(), Image(), in_segment}), mapped);
  wire::FileTask file_task{8, "in/a.jpg", "out/a.webp", {ImageFormat::webp, 6, 90}, DecodeOptions{FailOn::error, 1000}};
  write_wire(dir, "file-task", M::file_task, wire::encode_file_task(file_task));
  TaskRecord profiled = record();
  profiled.stages = {{"decode", 1.5, 1.6}, {"grayscale", 1.6, 1.7}};
  profiled.warnings = "VipsJpeg: premature end of JPEG file";
  write_wire(dir, "file-result", M::file_result, wire::encode_file_result({9, profiled}));
  const std::vector<std::uint8_t> file_bytes{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13};
  write_wire(dir, "encoded-task", M::encoded_task,
             wire::encode_encoded_task({10, "a.png", {}, DecodeOptions{FailOn::warning, 5000}, file_bytes}));
  write_wire(dir, "encoded-result", M::encoded_result, wire::encode_encoded_result({11, profiled, file_bytes}));
  write_wire(dir, "encoded-result-failed", M::encoded_result,
             wire::encode_encoded_result({12, record("not an image"), {}}));
}

// A worker's whole stdin: the frames one after another.
void write_session(const fs::path& dir, const std::string& name,
                   std::initializer_list<std::vector<std::uint8_t>> frames) {
  std::string bytes;
  for (const auto& frame : frames) bytes.append(frame.begin(), frame.end());
  write(dir / "worker_frames" / name, bytes);
}

// A frame's first `bytes` bytes: a parent that died while sending it.
std::vector<std::uint8_t> cut(std::vector<std::uint8_t> frame, std::size_t bytes) {
  frame.resize(bytes);
  return frame;
}

void worker_frames_seeds(const fs::path& dir) {
  const wire::Handshake pipe;
  wire::Handshake shared;
  shared.transport = Transport::shared_memory;
  shared.segment_fd = 3;
  shared.segment_bytes = 4096;
  shared.arena_fd = 4;
  shared.arena_bytes = 2 * fuzz::arena_file_bytes;  // an address space larger than the file: offsets past its end
  std::vector<std::uint8_t> pixels(4 * 3 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 21);
  const Image rgb(4, 3, 3, SampleFormat::u8, pixels);
  const Image grey16(2, 2, 1, SampleFormat::u16, {1, 2, 3, 4, 5, 6, 7, 8});
  const auto chain = wire::encode_chain({1, false, "grayscale,blur,sobel,sharpen,brightness=1.2"});
  const auto file_task = [](std::uint64_t index, std::string input, std::string output, DecodeOptions decode = {}) {
    return wire::encode_file_task({index, std::move(input), std::move(output), {}, decode});
  };
  using wire::Memory;
  const wire::ImageShape rgb_shape = wire::ImageShape::of(rgb);

  write_session(dir, "handshake-alone", {wire::encode_handshake(pipe)});
  write_session(
      dir, "pipe-run",
      {wire::encode_handshake(pipe), chain, wire::encode_task(0, "a.png", rgb), wire::encode_task(1, "b.png", grey16),
       wire::encode_chain({2, true, "grayscale"}), wire::encode_task(2, "c.png", rgb),
       wire::encode_chain({3, false, "blur"}), wire::encode_task(3, "d", rgb)});
  write_session(dir, "file-tasks",
                {wire::encode_handshake(pipe), wire::encode_chain({1, true, "grayscale,blur"}),
                 file_task(0, std::string(fuzz::rgb_png), "rgb-out.png"),
                 file_task(1, std::string(fuzz::grey16_png), "grey.png", {FailOn::none, 0}),
                 file_task(2, std::string(fuzz::cut_png), "cut-out.png", {FailOn::truncated, 1000}),
                 file_task(3, std::string(fuzz::not_an_image), "notes.png"), file_task(4, "../escape.png", "out.png"),
                 file_task(5, std::string(fuzz::rgb_png), "sub/out.png")});
  write_session(
      dir, "shared-run",
      {wire::encode_handshake(shared), chain, wire::encode_segment(8192),
       wire::encode_segment_task(0, "seg", {rgb_shape, 64, Memory::segment}, {1024, 12, Memory::segment}),
       wire::encode_segment_task(1, "arena", {rgb_shape, 4096, Memory::arena}, {8192, 12, Memory::arena}),
       wire::encode_task(2, "inline", rgb, {2048, 12, Memory::segment}),
       wire::encode_segment_task(3, "inline-out", {rgb_shape, 64, Memory::segment}, {}),
       wire::encode_chain({2, false, "blur"}),
       wire::encode_segment_task(4, "rgb-out", {rgb_shape, 64, Memory::segment}, {4096, 36, Memory::segment})});
  write_session(dir, "arena-past-file",
                {wire::encode_handshake(shared), chain,
                 wire::encode_segment_task(0, "out", {rgb_shape, 64, Memory::segment},
                                           {fuzz::arena_file_bytes + 4096, 12, Memory::arena})});
  write_session(dir, "segment-past-file",
                {wire::encode_handshake(shared), wire::encode_segment(2 * fuzz::segment_file_bytes)});
  wire::Handshake greedy = shared;
  greedy.segment_bytes = 2 * fuzz::segment_file_bytes;
  write_session(dir, "refused-setup", {wire::encode_handshake(greedy), chain});
  wire::Handshake old = pipe;
  old.version = wire::protocol_version - 1;
  write_session(dir, "old-version", {wire::encode_handshake(old), chain});
  write_session(dir, "refused-chain",
                {wire::encode_handshake(pipe), wire::encode_chain({1, false, "grayscale,emboss"}),
                 wire::encode_task(0, "a", rgb)});
  write_session(dir, "task-before-chain", {wire::encode_handshake(pipe), wire::encode_task(0, "a", rgb)});
  write_session(dir, "segment-on-pipe", {wire::encode_handshake(pipe), wire::encode_segment(4096)});
  write_session(dir, "cut-payload", {wire::encode_handshake(pipe), cut(chain, chain.size() - 3)});
  write_session(dir, "cut-header", {wire::encode_handshake(pipe), cut(chain, 7)});
  // A header that declares a gigabyte, then a hundred bytes.
  auto huge = cut(wire::encode_ready(0), wire::header_bytes);
  for (int i = 0; i < 8; ++i) huge[8 + i] = static_cast<std::uint8_t>(wire::default_max_frame_bytes >> (8 * i));
  huge[4] = static_cast<std::uint8_t>(wire::FrameType::task);
  huge.resize(huge.size() + 100, 7);
  write_session(dir, "huge-declared", {wire::encode_handshake(pipe), huge});
  wire::Handshake small = pipe;
  small.max_frame_bytes = 96;  // a chain and a task fit, the result does not
  write_session(
      dir, "small-frames",
      {wire::encode_handshake(small), wire::encode_chain({1, false, "grayscale"}), wire::encode_task(0, "a", grey16)});
  write_session(dir, "worker-frame", {wire::encode_handshake(pipe), wire::encode_ready(1)});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <corpus folder, e.g. tests/fuzz/corpus>\n");
    return 2;
  }
  const fs::path dir(argv[1]);
  wire_seeds(dir);
  worker_frames_seeds(dir);
  for (const auto& [name, text] :
       std::vector<std::pair<std::string, std::string>>{{"default", "grayscale,blur,sobel,sharpen,brightness=1.2"},
                                                        {"spaces", " blur , brightness = 0.5 "},
                                                        {"brightness-alone", "brightness"},
                                                        {"unknown", "grayscale,emboss"}}) {
    write(dir / "filter_spec" / name, text);
  }
  for (const auto& [name, text] :
       std::vector<std::pair<std::string, std::string>>{{"shared-stems", "a.jpg/a.png/a.jpg.png/b"},
                                                        {"dots", ".hidden/x.tar.gz/x.tar/noext/...png"},
                                                        {"single", "photo.jpeg"}}) {
    write(dir / "output_names" / name, text);
  }
  std::printf("seeds written under %s\n", dir.c_str());
  return 0;
}
