#include "terminal/fetch_progress.hpp"

#include <cstdint>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "terminal/progress_bar.hpp"

namespace image_pipeline {

pipeline::FetchResult fetch_with_progress(const std::vector<std::string>& urls, const std::filesystem::path& dir,
                                          pipeline::FetchOptions options, bool show_bar) {
  ProgressBar bar({.total = urls.size(), .label = "fetch", .unit = "files", .rate_unit = "MB"},
                  show_bar && ProgressBar::stderr_is_terminal());
  std::uint64_t bytes = 0;  // downloaded so far: the bar's rate
  options.on_item_done = [&bar, &bytes](const pipeline::FetchItem& item, std::size_t done, std::size_t) {
    if (item.status == pipeline::FetchStatus::failed) {
      bar.clear();  // the message on a line of its own, the bar drawn again below it
      spdlog::error("'{}': {}", item.url, item.reason);
    } else {
      spdlog::debug("'{}': {} as {}", item.url,
                    item.status == pipeline::FetchStatus::downloaded ? "downloaded" : "up to date", item.file);
    }
    if (item.status == pipeline::FetchStatus::downloaded) bytes += item.bytes;
    bar.update(done, bytes);
  };
  pipeline::FetchResult result = pipeline::fetch_urls(urls, dir, options);
  bar.finish();
  return result;
}

std::string fetch_counts(const pipeline::FetchResult& result) {
  const std::size_t stopped = result.count(pipeline::FetchStatus::stopped);
  return fmt::format("{} downloaded, {} up to date, {} failed{}", result.count(pipeline::FetchStatus::downloaded),
                     result.count(pipeline::FetchStatus::up_to_date), result.count(pipeline::FetchStatus::failed),
                     stopped > 0 ? fmt::format(", {} not fetched (stopped)", stopped) : "");
}

}  // namespace image_pipeline
