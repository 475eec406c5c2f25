#include "pipeline/dataset.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/vips_loaders.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/vips.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

bool has_image_extension(const std::filesystem::path& path) {
  static constexpr std::array<std::string_view, 22> extensions = {
      ".jpg",  ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".gif", ".heic", ".heif",
      ".avif", ".jp2",  ".j2k", ".jxl",  ".bmp", ".ppm", ".pgm",  ".pbm",  ".pnm", ".pfm",  ".svg"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(extensions.begin(), extensions.end(), extension) != extensions.end();
}

// Why an entry that is not a regular file (nor a link to one) is no image; empty for a regular file.
std::string why_not_a_file(const std::filesystem::directory_entry& entry) {
  std::error_code error;
  const auto link = entry.symlink_status(error);
  if (error) return "cannot be examined: " + error.message();
  const auto target = entry.status(error);
  if (error) {
    if (std::filesystem::is_symlink(link)) {
      return error == std::errc::too_many_symbolic_link_levels ? "a loop of symbolic links"
             : error == std::errc::no_such_file_or_directory
                 ? "a dangling symbolic link"
                 : "a symbolic link that cannot be followed: " + error.message();
    }
    return "cannot be examined: " + error.message();
  }
  switch (target.type()) {
    case std::filesystem::file_type::regular: return {};
    case std::filesystem::file_type::directory: return "a folder, not searched";
    case std::filesystem::file_type::fifo: return "a FIFO (named pipe), not a file";
    case std::filesystem::file_type::socket: return "a socket, not a file";
    case std::filesystem::file_type::block:
    case std::filesystem::file_type::character: return "a device, not a file";
    default: return "not a regular file";
  }
}

void skip(ImageFileListing& listing, std::string name, std::string why) {
  spdlog::info("skipping '{}': {}", name, why);
  listing.skipped.push_back({std::move(name), std::move(why)});
}

}  // namespace

ImageFileListing list_image_files(const std::filesystem::path& folder) {
  detail::exit_if_unserved_worker();  // worker_guard.hpp
  ensure_vips_initialized();          // find_vips_loader below asks libvips
  std::error_code error;
  if (!std::filesystem::exists(folder, error)) {
    throw DatasetError(fmt::format("input folder '{}' does not exist", folder.string()));
  }
  if (!std::filesystem::is_directory(folder, error)) {
    throw DatasetError(fmt::format("input '{}' is not a folder", folder.string()));
  }
  std::vector<std::filesystem::directory_entry> entries;
  std::filesystem::directory_iterator it(folder, error);
  if (error) throw DatasetError(fmt::format("cannot read folder '{}': {}", folder.string(), error.message()));
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    entries.push_back(entry);
  }
  std::sort(entries.begin(), entries.end());

  ImageFileListing listing;
  for (const auto& entry : entries) {
    std::string why = why_not_a_file(entry);
    std::string loader = why.empty() ? detail::find_vips_loader(entry.path()) : std::string();
    if (why.empty() && loader.empty() && !has_image_extension(entry.path())) why = "not an image libvips can read";
    if (!why.empty()) {
      skip(listing, entry.path().filename().string(), std::move(why));
      continue;
    }
    listing.images.push_back(entry.path());
    listing.loaders.push_back(std::move(loader));
  }
  if (listing.images.empty()) {
    throw DatasetError(
        fmt::format("input folder '{}' holds no images{}", folder.string(),
                    listing.skipped.empty() ? "" : fmt::format(" ({} other files skipped)", listing.skipped.size())));
  }
  return listing;
}

FolderDataset load_image_folder(const std::filesystem::path& folder, std::optional<std::size_t> max_images,
                                const DecodeOptions& decode) {
  ImageFileListing listing = list_image_files(folder);
  FolderDataset dataset;
  dataset.skipped = std::move(listing.skipped);
  const std::size_t count = std::min(listing.images.size(), max_images.value_or(listing.images.size()));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = listing.images[i].filename().string();
    try {
      std::string warnings;
      dataset.images.push_back({name, decode_image(listing.images[i], decode, &warnings)});
      if (!warnings.empty()) dataset.warnings.push_back({name, std::move(warnings)});
    } catch (const ImageIoError& failure) {
      dataset.failures.push_back({name, failure.reason()});
    }
  }
  return dataset;
}

}  // namespace pipeline
