#include "io/url_list_input.hpp"

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/output_checks.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/fetch.hpp"
#include "terminal/fetch_progress.hpp"

namespace image_pipeline {
namespace {

// FNV-1a: a name for the folder that is the same on every run and every build (std::hash promises neither).
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::filesystem::path cache_home() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') return xdg;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache";
  }
  return std::filesystem::temp_directory_path();
}

std::vector<std::string> read_urls(const std::filesystem::path& list) {
  std::vector<std::string> urls;
  try {
    urls = pipeline::read_url_list(list);
  } catch (const pipeline::FetchError& error) {
    throw OutputPathError(error.what());
  }
  if (urls.empty()) throw OutputPathError(fmt::format("'{}' is not a folder, and lists no URL", list.string()));
  for (const std::string& url : urls) {
    if (url.find("://") == std::string::npos) {
      throw OutputPathError(
          fmt::format("'{}' is not a folder, nor a list of URLs: '{}' is not a URL", list.string(), url));
    }
  }
  return urls;
}

// Images of earlier versions of the list: removed, so the run takes exactly the list's. The fetch's own sidecar and
// any hidden temporary stay.
void remove_unlisted(const std::filesystem::path& folder, const pipeline::FetchResult& fetched) {
  std::set<std::string> listed;
  for (const pipeline::FetchItem& item : fetched.items) listed.insert(item.file);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') || listed.contains(name) || !entry.is_regular_file(error)) continue;
    std::filesystem::remove(entry.path(), error);
    spdlog::debug("{}: no longer in the list, removed from {}", name, folder.string());
  }
}

}  // namespace

bool is_url_list(const std::filesystem::path& input) {
  std::error_code error;
  return std::filesystem::is_regular_file(input, error);
}

std::filesystem::path url_list_folder(const std::filesystem::path& list) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(list, error);
  if (error) absolute = list;
  return cache_home() / "image-pipeline" / "url-lists" /
         fmt::format("{}-{:016x}", list.stem().string(), fnv1a(absolute.lexically_normal().string()));
}

FetchedList fetch_url_list(const std::filesystem::path& list, std::stop_token stop, bool show_progress) {
  const std::vector<std::string> urls = read_urls(list);
  const std::filesystem::path folder = url_list_folder(list);
  check_output_folder("the download folder", folder);
  spdlog::info("{} URL(s) from {}: fetching into {}", urls.size(), list.string(), folder.string());
  pipeline::FetchOptions options;
  options.stop = std::move(stop);
  const pipeline::FetchResult result = fetch_with_progress(urls, folder, options, show_progress);
  remove_unlisted(folder, result);
  const std::size_t fetched =
      result.count(pipeline::FetchStatus::downloaded) + result.count(pipeline::FetchStatus::up_to_date);
  const std::size_t failed = result.count(pipeline::FetchStatus::failed);
  spdlog::log(failed == 0 ? spdlog::level::info : spdlog::level::warn, "{}: {}{}", list.string(), fetch_counts(result),
              failed == 0 ? "" : " (each named above; going on with the others)");
  if (fetched == 0)
    throw pipeline::DatasetError(fmt::format("none of the URLs in '{}' could be fetched", list.string()));
  return {folder, failed};
}

}  // namespace image_pipeline
