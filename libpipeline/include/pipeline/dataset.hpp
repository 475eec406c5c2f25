#pragma once
// Where batches come from: a folder of images, or a deterministic synthetic set.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/file_failure.hpp"
#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"

namespace pipeline {

// The dataset as a whole cannot be used: a missing folder, not a folder, nothing to load.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file of an input folder not taken as an image, and why: not an image libvips can read, a folder, a FIFO, a
// socket, a device, a dangling symbolic link, a loop of symbolic links, one that cannot be examined.
struct SkippedFile {
  std::string name;
  std::string why;
  friend bool operator==(const SkippedFile&, const SkippedFile&) = default;
};

struct FolderDataset {
  Batch images;                       // decoded, sorted by file name
  std::vector<FileFailure> failures;  // files that look like images but could not be decoded
  std::vector<FileFailure> warnings;  // files decoded all the same, and what the loader said (DecodeOptions::fail_on)
  std::vector<SkippedFile> skipped;   // entries that are not images at all (neither content nor extension)
};

struct ImageFileListing {
  std::vector<std::filesystem::path> images;  // the image files, sorted by name
  // libvips' loader for each of `images`, in the same order ("VipsForeignLoadJpegFile"; "" for a file only its
  // extension calls an image: a damaged one, whose decoding will say why).
  std::vector<std::string> loaders;
  std::vector<SkippedFile> skipped;  // entries that are not images at all, sorted by name
};

// The image files of `folder` (not recursive, hidden files ignored), sorted by name, without decoding them. A
// regular file (or a link to one) counts as an image if libvips recognises its content (from its first bytes) or
// its extension is an image format's; every other entry (folders, FIFOs, sockets, devices, broken links, files
// that are not images) is skipped, by name and why, with an info log. A FIFO is never opened: it could block. Requires
// initialize_vips(). Throws DatasetError for a missing or unreadable folder or one with no images.
[[nodiscard]] ImageFileListing list_image_files(const std::filesystem::path& folder);

// Decodes every image list_image_files() finds in `folder`, at most `max_images` of them (the first by name), as
// decode_image() does with `decode`. One that fails to decode is a FileFailure, and the rest still load.
// Requires initialize_vips(). Throws DatasetError for a missing or unreadable folder or one with no images.
[[nodiscard]] FolderDataset load_image_folder(const std::filesystem::path& folder,
                                              std::optional<std::size_t> max_images = std::nullopt,
                                              const DecodeOptions& decode = {});

struct SyntheticOptions {
  std::size_t count = 20;
  std::uint64_t seed = 42;
  // Every image this size; unset: a deterministic mix of photo-like sizes from 640x480 to 1920x1080.
  std::optional<std::pair<int, int>> size;
};

// A reproducible batch of RGB images (gradients, shapes, textures, noise), the same for the same options on
// every machine, named "synthetic-000", "synthetic-001", ... No files, no network.
[[nodiscard]] Batch synthetic_dataset(const SyntheticOptions& options = {});

}  // namespace pipeline
