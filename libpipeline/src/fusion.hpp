#pragma once
// Which filters of a chain the fused row pipeline (kernels/fused_chain.hpp) can take: the built-in ones. Kept out
// of filter.cpp so that the abstract chain needs nothing of the concrete filters.

#include <cstddef>
#include <vector>

#include "kernels/fused_chain.hpp"
#include "pipeline/filter.hpp"

namespace pipeline {

// The longest run of built-in filters from `next` on, which the fused row pipeline takes in one pass (empty when
// filters[next] is another filter); `next` moves past it.
[[nodiscard]] std::vector<kernels::FusedStage> fused_run_from(const std::vector<FilterPtr>& filters, std::size_t& next);

}  // namespace pipeline
