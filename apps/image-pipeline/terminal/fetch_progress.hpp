#pragma once
// Downloading a list of URLs as the CLI shows it, shared by `fetch` and by an input given as a URL list: a progress
// bar at a terminal, each failure logged by URL as it happens.

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/fetch.hpp"

namespace image_pipeline {

// pipeline::fetch_urls with `options` (its on_item_done is replaced), the bar shown if `show_bar` and stderr is a
// terminal. Logging must be set up.
[[nodiscard]] pipeline::FetchResult fetch_with_progress(const std::vector<std::string>& urls,
                                                        const std::filesystem::path& dir,
                                                        pipeline::FetchOptions options, bool show_bar);

// "3 downloaded, 5 up to date, 1 failed" (and how many were not fetched when stopped).
[[nodiscard]] std::string fetch_counts(const pipeline::FetchResult& result);

}  // namespace image_pipeline
