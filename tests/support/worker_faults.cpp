#include "worker_faults.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>

#include "io/temporary_output.hpp"  // the library's own naming of temporary files (libpipeline/src)
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"

namespace pipeline::test {
namespace {

class MisbehavingFilter final : public Filter {
 public:
  MisbehavingFilter(std::string name, std::string parameter, Misdeed misdeed)
      : name_(std::move(name)), parameter_(std::move(parameter)), misdeed_(std::move(misdeed)) {}
  [[nodiscard]] std::string name() const override { return parameter_.empty() ? name_ : name_ + "=" + parameter_; }
  [[nodiscard]] Image apply(const Image& input) const override {
    misdeed_(input, parameter_);
    return to_gray8(input);
  }

 private:
  std::string name_;
  std::string parameter_;
  Misdeed misdeed_;
};

}  // namespace

void register_misbehaving_filter(const std::string& name, Misdeed misdeed) {
  register_filter(name, [name, misdeed = std::move(misdeed)](const std::optional<std::string>& parameter) {
    return std::make_shared<MisbehavingFilter>(name, parameter.value_or(""), misdeed);
  });
}

bool first_time(const std::string& marker) {
  const int fd = ::open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::filesystem::path leave_temporary_output(const std::filesystem::path& output) {
  const auto path = detail::temporary_output_path(output, ::getpid(), 0);
  std::ofstream(path) << "half a PNG";
  return path;
}

bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace pipeline::test
