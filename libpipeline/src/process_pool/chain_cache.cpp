#include "process_pool/chain_cache.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "pipeline/filter_registry.hpp"

namespace pipeline::detail {

std::optional<std::string> ChainCache::accept(const wire::Chain& frame) {
  profile_stages_ = frame.profile_stages;
  if (chain_ && frame.spec == spec_) return std::nullopt;
  chain_.reset();
  try {
    chain_ = parse_filter_chain(frame.spec);
    spec_ = frame.spec;
  } catch (const std::exception& error) {
    spdlog::debug("refusing chain '{}': {}", frame.spec, error.what());
    return std::string(error.what());
  }
  spdlog::debug("run {}: chain '{}'{}", frame.run, frame.spec, profile_stages_ ? ", profiled" : "");
  return std::nullopt;
}

const FilterChain& ChainCache::chain() const {
  if (!chain_) throw wire::ProtocolError("a task before any accepted chain");
  return *chain_;
}

}  // namespace pipeline::detail
