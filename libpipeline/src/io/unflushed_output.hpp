#pragma once
// Private to the library: an atomic write in two halves, so that the flush and rename of one output can wait on
// another thread while the next task runs (output_committer.hpp). First the bytes go into a temporary file beside
// the output (temporary_output.hpp); then fsync, close and rename over the output.

#include <filesystem>
#include <functional>
#include <string>

#include "pipeline/image.hpp"
#include "pipeline/output_format.hpp"

namespace pipeline::detail {

// An output written to its temporary file, neither flushed nor renamed yet. Owns the descriptor and the temporary
// file: dropped uncommitted, it closes and removes the file, so no output appears.
class UnflushedOutput {
 public:
  UnflushedOutput() = default;
  UnflushedOutput(int fd, std::filesystem::path temporary, std::filesystem::path output, std::string what) noexcept;
  UnflushedOutput(UnflushedOutput&& other) noexcept;
  UnflushedOutput& operator=(UnflushedOutput&& other) noexcept;
  UnflushedOutput(const UnflushedOutput&) = delete;
  UnflushedOutput& operator=(const UnflushedOutput&) = delete;
  ~UnflushedOutput();

  [[nodiscard]] bool empty() const noexcept { return fd_ < 0; }

  // Flushes the file to disk (so a crash cannot leave a renamed but empty output), closes it and renames it over
  // the output. Leaves this empty. Throws ImageIoError ("cannot write <what>: ...") and leaves no temporary file.
  void commit();

 private:
  void abandon() noexcept;
  void discard() noexcept;  // closes the file if open and removes it

  int fd_ = -1;
  std::filesystem::path temporary_;
  std::filesystem::path output_;
  std::string what_;
};

// Creates the temporary file for `output` and writes it through `write(fd)`. Throws ImageIoError ("cannot write
// <what>: ...") and leaves no temporary file.
[[nodiscard]] UnflushedOutput write_unflushed(const std::filesystem::path& output, std::string what,
                                              const std::function<void(int fd)>& write);

// write_image_atomic's (image_io.hpp) first half: `image` in `format`, in the temporary file. Throws as it does.
[[nodiscard]] UnflushedOutput write_image_unflushed(const Image& image, const std::filesystem::path& path,
                                                    const OutputFormat& format);

}  // namespace pipeline::detail
