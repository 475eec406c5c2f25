#pragma once
// The worker_frames fuzz target's sandbox (worker_frames_input.hpp says what it stands in for): the session's
// descriptors, the shared memories, and a folder for file tasks, made once and reset before every input; and the
// WorkerEnvironment that keeps a session's effects inside it.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/task.hpp"
#include "pipeline/vips.hpp"
#include "process_pool/worker_session.hpp"
#include "task_recording.hpp"
#include "worker_frames_input.hpp"

namespace pipeline::fuzz {

namespace fs = std::filesystem;
using Bytes = std::span<const std::uint8_t>;

// Setting up failed: no input could be judged.
[[noreturn]] inline void setup_failed(const char* what) {
  std::perror(what);
  std::abort();
}

inline int make_memfd(const char* name, std::uint64_t bytes, bool sealed) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC | (sealed ? MFD_ALLOW_SEALING : 0u));
  if (fd < 0) setup_failed("memfd_create");
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) setup_failed("ftruncate");
  // As the parent seals its memories (shared_memory.hpp): adopt() refuses a file that could shrink.
  if (sealed && ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) setup_failed("F_ADD_SEALS");
  return fd;
}

inline void write_at(int fd, Bytes bytes, off_t offset) {
  if (::pwrite(fd, bytes.data(), bytes.size(), offset) != static_cast<ssize_t>(bytes.size())) setup_failed("pwrite");
}

// A file task's path as a bare file name (letters, digits, '.', '_', '-'; not "." or ".."), or nullopt.
inline std::optional<std::string> bare_name(const fs::path& path) {
  const std::string& name = path.native();
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return std::nullopt;
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!plain) return std::nullopt;
  return name;
}

// What stays from input to input: the descriptors, and a folder with the file tasks' inputs.
class Sandbox {
 public:
  Sandbox() {
    // The session logs every refused frame at error level: not millions of times here.
    spdlog::set_level(spdlog::level::off);
    // tmpfs where there is one: write_png_atomic syncs every output to its disk.
    std::string pattern = ((fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
                           "fuzz_worker_frames.XXXXXX")
                              .string();
    if (::mkdtemp(pattern.data()) == nullptr) setup_failed("mkdtemp");
    dir_ = pattern;
    fs::create_directory(inputs());
    fs::create_directory(outputs());
    // One thread for libvips, its cache off: the handshake's settings are not applied in here.
    initialize_vips(VipsSettings{1, 0});
    std::vector<std::uint8_t> rgb(8 * 6 * 3);
    for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 37);
    write_png_atomic(Image(8, 6, 3, SampleFormat::u8, rgb), inputs() / fuzz::rgb_png);
    write_png_atomic(Image(3, 2, 1, SampleFormat::u16, std::vector<std::uint8_t>(12, 0xA5)),
                     inputs() / fuzz::grey16_png);
    const auto whole = read_all(inputs() / fuzz::rgb_png);
    write_file(inputs() / fuzz::cut_png, Bytes(whole).first(whole.size() / 2));
    const std::string notes = "not an image\n";
    write_file(inputs() / fuzz::not_an_image, Bytes(reinterpret_cast<const std::uint8_t*>(notes.data()), notes.size()));
    // libvips loads its format modules on first use: here, not inside an input, where it would look like a leak.
    const FilterChain warm_up = parse_filter_chain("grayscale");
    for (const auto name : fuzz::sandbox_inputs) {
      (void)run_file_task(warm_up, {inputs() / name, outputs() / "warm-up.png"}, {}, 0);
    }
    clear_outputs();
  }
  ~Sandbox() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  [[nodiscard]] fs::path inputs() const { return dir_ / "in"; }
  [[nodiscard]] fs::path outputs() const { return dir_ / "out"; }

  // Before each input: stdin holds it, stdout nothing, the memories the same bytes every time, no outputs.
  void reset(Bytes input) {
    if (::ftruncate(in, 0) != 0 || ::ftruncate(out, 0) != 0) setup_failed("ftruncate");
    write_at(in, input, 0);
    if (::lseek(in, 0, SEEK_SET) != 0 || ::lseek(out, 0, SEEK_SET) != 0) setup_failed("lseek");
    write_at(segment, fill_, 0);
    write_at(arena, fill_, 0);
    if (wrote_outputs) clear_outputs();
    wrote_outputs = false;
  }

  // What the session wrote to its stdout.
  [[nodiscard]] std::vector<std::uint8_t> answers() const {
    struct stat st {};
    if (::fstat(out, &st) != 0) setup_failed("fstat");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
    if (::pread(out, bytes.data(), bytes.size(), 0) != st.st_size) setup_failed("pread");
    return bytes;
  }

  const int in = make_memfd("fuzz-stdin", 0, false);
  const int out = make_memfd("fuzz-stdout", 0, false);
  const int segment = make_memfd("fuzz-segment", fuzz::segment_file_bytes, true);
  const int arena = make_memfd("fuzz-arena", fuzz::arena_file_bytes, true);
  bool wrote_outputs = false;

 private:
  static std::vector<std::uint8_t> read_all(const fs::path& path) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(fs::file_size(path)));
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr || std::fread(bytes.data(), 1, bytes.size(), file) != bytes.size()) setup_failed("reading");
    std::fclose(file);
    return bytes;
  }
  static void write_file(const fs::path& path, Bytes bytes) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) setup_failed("writing");
    std::fclose(file);
  }
  void clear_outputs() const {
    for (const auto& entry : fs::directory_iterator(outputs())) fs::remove_all(entry.path());
  }
  static std::vector<std::uint8_t> pattern(std::size_t bytes) {
    std::vector<std::uint8_t> fill(bytes);
    for (std::size_t i = 0; i < bytes; ++i) fill[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
    return fill;
  }

  fs::path dir_;
  const std::vector<std::uint8_t> fill_ = pattern(std::max(fuzz::segment_file_bytes, fuzz::arena_file_bytes));
};

inline Sandbox& sandbox() {
  static Sandbox instance;
  return instance;
}

// The session's effects, kept to the sandbox; it notes what the checks need to know.
class SandboxEnvironment final : public detail::WorkerEnvironment {
 public:
  explicit SandboxEnvironment(Sandbox& box) : box_(box) {}

  void set_log_level(int) override {}                    // the fuzzer's logging stays off
  void initialize_vips(const VipsSettings&) override {}  // started by the sandbox: concurrency could be 2^31 - 1
  void tune_allocator() override {}                      // the sanitizers' allocator is not glibc's
  detail::SharedSegment adopt_segment(int, std::uint64_t bytes) override {
    return detail::SharedSegment::adopt(duplicate(box_.segment), bytes);
  }
  detail::ArenaMapping adopt_arena(int, std::uint64_t capacity) override {
    try {
      return detail::ArenaMapping::adopt(duplicate(box_.arena), capacity);
    } catch (const std::exception&) {
      arena_refused = true;  // capacity beyond off_t, or beyond the address space left: the system's say
      throw;
    }
  }
  detail::UnflushedFileTask run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                          bool profile_stages) override {
    const auto input = bare_name(job.input);
    const auto output = bare_name(job.output);
    if (!input || !output) {
      TaskRecord refused;
      refused.pid = current_pid();
      refused.tid = current_tid();
      refused.start_s = refused.end_s = monotonic_seconds();
      refused.error = "outside the fuzz sandbox";
      return {std::move(refused), {}};
    }
    box_.wrote_outputs = true;
    return detail::run_unflushed_file_task(chain, {box_.inputs() / *input, box_.outputs() / *output}, options, 0,
                                           profile_stages);
  }

  bool arena_refused = false;

 private:
  static int duplicate(int fd) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) setup_failed("F_DUPFD_CLOEXEC");
    return copy;
  }

  Sandbox& box_;
};

}  // namespace pipeline::fuzz
