#pragma once
// An input named on the command line that is a file listing image URLs, not a folder (`--input urls.txt`,
// `run urls.txt OUT_DIR`): the seed's first step, downloading the dataset, folded into the run. The URLs are fetched
// (pipeline/fetch.hpp, with its cache: a rerun sends conditional requests and keeps what did not change) into a
// folder of their own under the user's cache, and that folder is the input.

#include <cstddef>
#include <filesystem>
#include <stop_token>

namespace image_pipeline {

// True if `input` is a file rather than a folder: a list of URLs, one per line.
[[nodiscard]] bool is_url_list(const std::filesystem::path& input);

// Where a list's images go: $XDG_CACHE_HOME (else ~/.cache)/image-pipeline/url-lists/<list's stem>-<hash of its
// absolute path>, so two lists never share a folder and the same list always finds its own again.
[[nodiscard]] std::filesystem::path url_list_folder(const std::filesystem::path& list);

struct FetchedList {
  std::filesystem::path folder;
  std::size_t failed = 0;  // URLs that could not be fetched (each logged): the run's inputs that are missing
};

// Fetches the list's URLs into url_list_folder(list), each failure logged by URL and the others kept, then removes
// from that folder the images no URL of the list names any more, so it holds the list's images and nothing else.
// Throws OutputPathError (exit 2) for a list that cannot be read, holds no URL or a line that is not one;
// pipeline::DatasetError when none of its URLs could be fetched.
[[nodiscard]] FetchedList fetch_url_list(const std::filesystem::path& list, std::stop_token stop, bool show_progress);

}  // namespace image_pipeline
