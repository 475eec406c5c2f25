#pragma once
// A worker rank of the MPI job, as rank 0 knows it (ranks.hpp).

#include <cstdint>
#include <string>

namespace pipeline {

// A worker rank as rank 0 learnt it at start-up.
struct MpiRank {
  int rank = 0;
  std::int64_t pid = 0;
  std::string host;
  // Its CLOCK_MONOTONIC minus rank 0's at the same instant: 0 on rank 0's host; across hosts measured, within half
  // a round trip.
  double clock_offset_s = 0.0;
};

}  // namespace pipeline
