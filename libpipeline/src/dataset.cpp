#include "pipeline/dataset.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/image_io.hpp"
#include "pipeline/vips.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

bool has_image_extension(const std::filesystem::path& path) {
  static constexpr std::array<std::string_view, 22> extensions = {
      ".jpg", ".jpeg", ".jpe", ".jfif", ".png",  ".tif", ".tiff", ".webp", ".gif", ".heic", ".heif",
      ".avif", ".jp2", ".j2k", ".jxl", ".bmp",  ".ppm", ".pgm",  ".pbm",  ".pnm", ".pfm",  ".svg"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(extensions.begin(), extensions.end(), extension) != extensions.end();
}

}  // namespace

ImageFileListing list_image_files(const std::filesystem::path& folder) {
  detail::exit_if_unserved_worker();  // worker_guard.hpp
  ensure_vips_initialized();          // is_loadable_image below asks libvips
  std::error_code error;
  if (!std::filesystem::exists(folder, error)) {
    throw DatasetError(fmt::format("input folder '{}' does not exist", folder.string()));
  }
  if (!std::filesystem::is_directory(folder, error)) {
    throw DatasetError(fmt::format("input '{}' is not a folder", folder.string()));
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(folder, error);
  if (error) throw DatasetError(fmt::format("cannot read folder '{}': {}", folder.string(), error.message()));
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    if (!entry.is_regular_file(error)) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  ImageFileListing listing;
  for (auto& file : files) {
    if (!is_loadable_image(file) && !has_image_extension(file)) {
      const std::string name = file.filename().string();
      spdlog::info("skipping '{}': not an image libvips can read", name);
      listing.skipped.push_back(name);
      continue;
    }
    listing.images.push_back(std::move(file));
  }
  if (listing.images.empty()) {
    throw DatasetError(fmt::format("input folder '{}' holds no images{}", folder.string(),
                                   listing.skipped.empty() ? "" : fmt::format(" ({} other files skipped)", listing.skipped.size())));
  }
  return listing;
}

FolderDataset load_image_folder(const std::filesystem::path& folder, std::optional<std::size_t> max_images) {
  ImageFileListing listing = list_image_files(folder);
  FolderDataset dataset;
  dataset.skipped = std::move(listing.skipped);
  const std::size_t count = std::min(listing.images.size(), max_images.value_or(listing.images.size()));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = listing.images[i].filename().string();
    try {
      dataset.images.push_back({name, decode_image(listing.images[i])});
    } catch (const std::exception& failure) {
      dataset.failures.push_back({name, failure.what()});
    }
  }
  return dataset;
}

}  // namespace pipeline
