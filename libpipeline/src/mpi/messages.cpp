#include "mpi/messages.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

namespace pipeline::detail::mpi {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, message, &length);
  throw std::runtime_error(fmt::format("{}: {}", call, std::string(message, static_cast<std::size_t>(length))));
}

Backoff::Backoff(std::chrono::microseconds shortest, std::chrono::microseconds longest) noexcept
    : shortest_(shortest), longest_(longest), next_(shortest) {}

void Backoff::wait(const Doorbell* bell) noexcept {
  if (bell != nullptr) {
    // Rung: the message may take Open MPI a few polls to see (measured: a whole sleep late otherwise); they are
    // made at once, for a moment, rather than after sleeps that would each cost a wake-up.
    if (std::chrono::steady_clock::now() < spin_until_) return;
    if (bell->wait(next_)) {
      spin_until_ = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      return;
    }
  } else {
    std::this_thread::sleep_for(next_);
  }
  next_ = std::min(longest_, next_ * 2);
}

Outbox::~Outbox() {
  try {
    wait_all();
  } catch (...) {  // MPI gone bad: nothing left to do about these sends
  }
}

void Outbox::send(int rank, std::vector<std::uint8_t> frame, std::span<const std::uint8_t> tail,
                  std::shared_ptr<const void> keep_alive) {
  if (frame.size() > max_message_bytes || tail.size() > max_message_bytes) {
    throw std::length_error(fmt::format("a message of {} bytes, over MPI's {} per message",
                                        std::max(frame.size(), tail.size()), max_message_bytes));
  }
  if (tail.empty() && frame.size() <= eager_message_bytes) {
    // Not MPI_Send: Open MPI may return from it with the message still queued here, to go at this process's next
    // call into MPI, which a rank makes only after its next image (measured: rank 0 rung, and the result not there).
    // An eager send's request completes once the message is written to the receiver, whatever the receiver does.
    MPI_Request request = MPI_REQUEST_NULL;
    check(MPI_Isend(frame.data(), static_cast<int>(frame.size()), MPI_BYTE, rank, tag_frame, MPI_COMM_WORLD, &request),
          "MPI_Isend");
    Backoff backoff(std::chrono::microseconds(1), std::chrono::microseconds(50));
    for (int done = 0; !done;) {
      check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (!done) backoff.wait();
    }
    return;
  }
  Send& send = sends_.emplace_back();
  send.frame = std::move(frame);
  send.keep_alive = std::move(keep_alive);
  check(MPI_Isend(send.frame.data(), static_cast<int>(send.frame.size()), MPI_BYTE, rank, tag_frame, MPI_COMM_WORLD,
                  &send.requests[0]),
        "MPI_Isend");
  if (!tail.empty()) {
    check(MPI_Isend(tail.data(), static_cast<int>(tail.size()), MPI_BYTE, rank, tag_samples, MPI_COMM_WORLD,
                    &send.requests[1]),
          "MPI_Isend");
  }
}

bool Outbox::progress() {
  bool any = false;
  for (auto it = sends_.begin(); it != sends_.end();) {
    int done = 0;
    check(MPI_Testall(2, it->requests, &done, MPI_STATUSES_IGNORE), "MPI_Testall");
    if (done) {
      it = sends_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  return any;
}

void Outbox::wait_all() {
  Backoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(1000));
  while (!empty()) {
    if (!progress()) backoff.wait();
  }
}

std::optional<Received> Inbox::try_receive(int source) {
  int found = 0;
  MPI_Message message = MPI_MESSAGE_NULL;
  MPI_Status status;
  check(MPI_Improbe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &found, &message, &status), "MPI_Improbe");
  if (!found) return std::nullopt;
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  const auto bytes = static_cast<std::size_t>(std::max(count, 0));
  if (bytes > capacity_) {
    // Not zero-filled: every byte is about to be written by the receive.
    buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(bytes);
    capacity_ = bytes;
  }
  check(MPI_Mrecv(buffer_.get(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
  return Received{status.MPI_SOURCE, status.MPI_TAG, std::span<const std::uint8_t>(buffer_.get(), bytes)};
}

void Inbox::receive_samples(int source, std::span<std::uint8_t> into) {
  if (into.size() > max_message_bytes) throw std::length_error("samples over MPI's limit per message");
  MPI_Status status;
  check(MPI_Recv(into.data(), static_cast<int>(into.size()), MPI_BYTE, source, tag_samples, MPI_COMM_WORLD, &status),
        "MPI_Recv");
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  if (static_cast<std::size_t>(count) != into.size()) {
    throw std::runtime_error(fmt::format("{} sample bytes arrived, the frame announced {}", count, into.size()));
  }
}

std::optional<Received> Inbox::receive(int source, Backoff& backoff, std::chrono::steady_clock::time_point deadline,
                                       const Doorbell* bell) {
  backoff.reset();
  while (true) {
    if (auto received = try_receive(source)) return received;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    backoff.wait(bell);
  }
}

}  // namespace pipeline::detail::mpi
