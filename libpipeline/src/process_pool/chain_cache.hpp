#pragma once
// Private to the library: a worker's chain for the current run (a process-pool worker's session, an MPI rank's).
// The chain is built from the worker's own registered filters when a chain frame brings a new spec, and kept while
// the spec stays the same, so runs of the same chain build it once.

#include <optional>
#include <string>

#include "pipeline/filter.hpp"
#include "process_pool/wire.hpp"

namespace pipeline::detail {

class ChainCache {
 public:
  // Takes the run's chain frame. Returns the reason it cannot be built (most likely a filter this program does not
  // register), the worker then having no chain until a frame it can build; nullopt when the chain is ready.
  [[nodiscard]] std::optional<std::string> accept(const wire::Chain& frame);
  // The current chain. Throws wire::ProtocolError when no chain frame was accepted.
  [[nodiscard]] const FilterChain& chain() const;
  [[nodiscard]] bool profile_stages() const noexcept { return profile_stages_; }

 private:
  std::optional<FilterChain> chain_;
  std::string spec_;
  bool profile_stages_ = false;
};

}  // namespace pipeline::detail
