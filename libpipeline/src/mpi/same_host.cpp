#include "mpi/same_host.hpp"

#include <fcntl.h>
#include <mpi.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mpi/messages.hpp"

namespace pipeline::detail::mpi {
namespace {

// The messages as plain bytes: both ends are on one host when they matter, and a rank elsewhere fails to open
// the files whatever they say.
struct Offer {
  PeerFile images;  // fd -1: shared image memory off
  std::uint64_t images_capacity = 0;
  PeerFile bell;
};

struct Answer {
  std::uint8_t maps_images = 0;
  std::uint8_t rings_root = 0;
  std::uint8_t reserved[6] = {};
  PeerFile bell;
};

}  // namespace

void offer_same_host(std::span<const MpiRank> ranks, RootLinks& links, double timeout_s) {
  const SharedArena* arena = SharedArena::active();
  if (links.offered && (links.images_offered || arena == nullptr)) return;
  Offer offer;
  if (arena != nullptr) {
    offer.images = peer_file_of(arena->fd());
    offer.images_capacity = arena->capacity();
  }
  offer.bell = links.bell.address();
  for (const MpiRank& rank : ranks) {
    check(MPI_Send(&offer, sizeof offer, MPI_BYTE, rank.rank, tag_same_host, MPI_COMM_WORLD), "MPI_Send");
  }
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(timeout_s));
  links.ringers.resize(ranks.size());
  links.maps_images.resize(ranks.size(), false);
  links.rings_root.resize(ranks.size(), false);
  Inbox inbox;
  Backoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(1000));
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const MpiRank& rank = ranks[i];
    const auto received = inbox.receive(rank.rank, backoff, deadline);
    if (!received) {
      throw std::runtime_error(
          fmt::format("MPI rank {} on {} did not answer within {} s", rank.rank, rank.host, timeout_s));
    }
    if (received->tag != tag_same_host || received->bytes.size() != sizeof(Answer)) {
      throw std::runtime_error(
          fmt::format("MPI rank {} answered rank 0's files with tag {}", rank.rank, received->tag));
    }
    Answer answer;
    std::memcpy(&answer, received->bytes.data(), sizeof answer);
    links.maps_images[i] = answer.maps_images == 1;
    links.rings_root[i] = answer.rings_root == 1;
    std::string why;
    if (!links.ringers[i] && answer.bell.fd >= 0) links.ringers[i] = DoorbellRinger::open(rank.pid, answer.bell, why);
    spdlog::debug("MPI rank {} on {}: {} rank 0's shared image memory; its doorbell {}", rank.rank, rank.host,
                  links.maps_images[i] ? "maps" : "does not map", links.ringers[i] ? "open" : "not open: " + why);
  }
  links.offered = true;
  links.images_offered = arena != nullptr;
}

void accept_same_host(std::span<const std::uint8_t> bytes, std::int64_t root_pid, RankLinks& links) {
  Offer offer;
  if (bytes.size() != sizeof offer) throw std::runtime_error("a same-host offer of the wrong size");
  std::memcpy(&offer, bytes.data(), sizeof offer);
  if (!links.images && offer.images.fd >= 0) {
    try {
      links.images = ArenaMapping::adopt(open_peer_file(root_pid, offer.images, O_RDWR), offer.images_capacity);
    } catch (const std::exception& error) {
      spdlog::debug("rank 0's shared image memory stays unmapped here: {}", error.what());
    }
  }
  if (!links.root) {
    std::string why;
    links.root = DoorbellRinger::open(root_pid, offer.bell, why);
    if (!links.root) spdlog::debug("rank 0's doorbell stays closed here: {}", why);
  }
  Answer answer;
  answer.maps_images = links.images ? 1 : 0;
  answer.rings_root = links.root ? 1 : 0;
  answer.bell = links.bell.address();
  check(MPI_Send(&answer, sizeof answer, MPI_BYTE, 0, tag_same_host, MPI_COMM_WORLD), "MPI_Send");
}

}  // namespace pipeline::detail::mpi
