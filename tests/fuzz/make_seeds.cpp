// Writes the seed corpus of the fuzz targets: `fuzz_make_seeds tests/fuzz/corpus` (README: "Fuzzing").
// The wire seeds are valid frames from the library's own encoders, laid out as wire_input.hpp says, so the fuzzer
// starts from every frame type, every image placement and both transports; the others are a few valid texts.
// Rerun it when the protocol changes, and commit what it writes.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/wire.hpp"
#include "wire_input.hpp"

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
void write_wire(const fs::path& dir, const std::string& name, fuzz::WireMode mode, const std::vector<std::uint8_t>& frame,
                wire::MappedBytes mapped = {}) {
  std::string bytes(1, static_cast<char>(mode));
  const bool has_mapped = mode == fuzz::WireMode::frame || mode == fuzz::WireMode::task || mode == fuzz::WireMode::result;
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
  wire::FileTask file_task{8, "in/a.jpg", "out/a.png", 6, DecodeOptions{FailOn::error, 1000}};
  write_wire(dir, "file-task", M::file_task, wire::encode_file_task(file_task));
  TaskRecord profiled = record();
  profiled.stages = {{"decode", 1.5, 1.6}, {"grayscale", 1.6, 1.7}};
  profiled.warnings = "VipsJpeg: premature end of JPEG file";
  write_wire(dir, "file-result", M::file_result, wire::encode_file_result({9, profiled}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <corpus folder, e.g. tests/fuzz/corpus>\n");
    return 2;
  }
  const fs::path dir(argv[1]);
  wire_seeds(dir);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"default", "grayscale,blur,sobel,sharpen,brightness=1.2"},
           {"spaces", " blur , brightness = 0.5 "},
           {"brightness-alone", "brightness"},
           {"unknown", "grayscale,emboss"}}) {
    write(dir / "filter_spec" / name, text);
  }
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"shared-stems", "a.jpg/a.png/a.jpg.png/b"},
           {"dots", ".hidden/x.tar.gz/x.tar/noext/...png"},
           {"single", "photo.jpeg"}}) {
    write(dir / "output_names" / name, text);
  }
  std::printf("seeds written under %s\n", dir.c_str());
  return 0;
}
