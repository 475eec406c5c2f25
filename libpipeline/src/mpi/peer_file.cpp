#include "mpi/peer_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace pipeline::detail::mpi {

PeerFile peer_file_of(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) throw std::system_error(errno, std::generic_category(), "fstat");
  return {fd, 0, static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino)};
}

int open_peer_file(std::int64_t pid, const PeerFile& file, int flags) {
  if (file.fd < 0) throw std::runtime_error("no file offered");
  const std::string path = fmt::format("/proc/{}/fd/{}", pid, file.fd);
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + path);
  struct stat status {};
  if (::fstat(fd, &status) != 0 || static_cast<std::uint64_t>(status.st_dev) != file.device ||
      static_cast<std::uint64_t>(status.st_ino) != file.inode) {
    ::close(fd);
    throw std::runtime_error(path + " is another file than offered (another host or PID namespace)");
  }
  return fd;
}

}  // namespace pipeline::detail::mpi
