#include "io/output_checks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace image_pipeline {
namespace {

namespace fs = std::filesystem;

std::string reason(int error) { return std::strerror(error); }

fs::path folder_of(const fs::path& file) { return file.has_parent_path() ? file.parent_path() : fs::path("."); }

// A new file beside `target`, `.NAME.PID.N.tmp`: O_EXCL never takes over a file that exists (another run's, or
// the user's `NAME.tmp`), and the pid and counter keep concurrent runs and reports apart.
struct TemporaryFile {
  int fd = -1;
  fs::path path;
  int error = 0;  // errno when fd < 0
};

TemporaryFile create_temporary_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  TemporaryFile file;
  for (int attempt = 0; attempt < 100; ++attempt) {
    file.path = folder_of(target) / fmt::format(".{}.{}.{}.tmp", target.filename().string(), ::getpid(), counter++);
    // 0666 less the umask: the report gets the permissions any new file of the user gets.
    file.fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (file.fd >= 0) return file;
    file.error = errno;
    if (file.error != EEXIST) break;
  }
  return file;
}

// Makes and removes a file in the folder `target` would be written in; the OS's reason if it cannot.
void probe_folder_of(std::string_view option, const fs::path& target, const fs::path& shown) {
  TemporaryFile probe = create_temporary_beside(target);
  if (probe.fd < 0) {
    throw OutputPathError(fmt::format("{} {}: cannot write in '{}': {}", option, shown.string(),
                                      folder_of(target).string(), reason(probe.error)));
  }
  ::close(probe.fd);
  ::unlink(probe.path.c_str());
}

}  // namespace

void check_report_paths(const std::vector<ReportPath>& reports) {
  for (const ReportPath& report : reports) {
    if (!report.path) continue;
    const fs::path path(*report.path);
    std::error_code error;
    if (path.empty() || !path.has_filename() || fs::is_directory(path, error)) {
      throw OutputPathError(fmt::format("{} '{}': {}", report.option, *report.path, reason(EISDIR)));
    }
    probe_folder_of(report.option, path, path);
  }
}

void check_output_folder(std::string_view option, const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error)
    throw OutputPathError(fmt::format("{} '{}': cannot create it: {}", option, folder.string(), error.message()));
  if (!fs::is_directory(folder, error)) {
    throw OutputPathError(fmt::format("{} '{}': {}", option, folder.string(), reason(ENOTDIR)));
  }
  probe_folder_of(option, folder / "probe", folder);
}

void write_text_file_atomically(const fs::path& path, const std::string& text) {
  TemporaryFile file = create_temporary_beside(path);
  if (file.fd < 0) throw std::runtime_error(fmt::format("cannot write '{}': {}", path.string(), reason(file.error)));
  int error = 0;
  for (std::size_t written = 0; written < text.size() && error == 0;) {
    const ssize_t n = ::write(file.fd, text.data() + written, text.size() - written);
    if (n >= 0) {
      written += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      error = errno;
    }
  }
  if (error == 0 && ::fsync(file.fd) != 0) error = errno;
  if (::close(file.fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(file.path.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(file.path.c_str());  // never leave a temporary behind
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path.string(), reason(error)));
  }
}

}  // namespace image_pipeline
