#include "mpi/shared_images.hpp"

#include <fcntl.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mpi/messages.hpp"

namespace pipeline::detail::mpi {
namespace {

// The offer as plain bytes: both ends are on one host.
struct Offer {
  std::int32_t fd = -1;
  std::uint32_t reserved = 0;
  std::uint64_t capacity = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

ArenaMapping map_offer(const Offer& offer, std::int64_t root_pid) {
  const std::string path = fmt::format("/proc/{}/fd/{}", root_pid, offer.fd);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + path);
  struct stat status {};
  if (::fstat(fd, &status) != 0 || static_cast<std::uint64_t>(status.st_dev) != offer.device ||
      static_cast<std::uint64_t>(status.st_ino) != offer.inode) {
    ::close(fd);
    throw std::runtime_error(path + " is not rank 0's shared image memory (another host or PID namespace)");
  }
  return ArenaMapping::adopt(fd, offer.capacity);  // owns fd from here, also when it throws
}

}  // namespace

std::vector<bool> offer_shared_images(std::span<const MpiRank> ranks, double timeout_s) {
  std::vector<bool> shares(ranks.size(), false);
  const SharedArena* arena = SharedArena::active();
  if (arena == nullptr) return shares;
  struct stat status {};
  if (::fstat(arena->fd(), &status) != 0) return shares;
  const Offer offer{arena->fd(), 0, arena->capacity(), static_cast<std::uint64_t>(status.st_dev),
                    static_cast<std::uint64_t>(status.st_ino)};
  for (const MpiRank& rank : ranks) {
    check(MPI_Send(&offer, sizeof offer, MPI_BYTE, rank.rank, tag_shared_images, MPI_COMM_WORLD), "MPI_Send");
  }
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(timeout_s));
  Inbox inbox;
  Backoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(1000));
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const auto answer = inbox.receive(ranks[i].rank, backoff, deadline);
    if (!answer) {
      throw std::runtime_error(fmt::format("MPI rank {} on {} did not answer the shared image memory offer within {} s",
                                           ranks[i].rank, ranks[i].host, timeout_s));
    }
    if (answer->tag != tag_shared_images || answer->bytes.size() != 1) {
      throw std::runtime_error(
          fmt::format("MPI rank {} answered the shared image memory offer with tag {}", ranks[i].rank, answer->tag));
    }
    shares[i] = answer->bytes[0] == 1;
    spdlog::debug("MPI rank {} on {} {} rank 0's shared image memory", ranks[i].rank, ranks[i].host,
                  shares[i] ? "maps" : "does not map");
  }
  return shares;
}

std::optional<ArenaMapping> accept_shared_images(std::span<const std::uint8_t> bytes, std::int64_t root_pid) {
  std::optional<ArenaMapping> mapping;
  if (bytes.size() == sizeof(Offer)) {
    Offer offer;
    std::memcpy(&offer, bytes.data(), sizeof offer);
    try {
      mapping = map_offer(offer, root_pid);
    } catch (const std::exception& error) {
      spdlog::debug("rank 0's shared image memory stays unmapped here: {}", error.what());
    }
  }
  const std::uint8_t answer = mapping ? 1 : 0;
  check(MPI_Send(&answer, 1, MPI_BYTE, 0, tag_shared_images, MPI_COMM_WORLD), "MPI_Send");
  return mapping;
}

}  // namespace pipeline::detail::mpi
