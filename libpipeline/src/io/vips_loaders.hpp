#pragma once
// Which libvips loader takes a file, and where that loader lives. One sniff of a file's first bytes serves both
// the listing (is it an image?) and the process pool's start (do its workers need libvips' modules?).

#include <filesystem>
#include <string>
#include <string_view>

namespace pipeline::detail {

// The type name of the libvips loader for the file's content ("VipsForeignLoadJpegFile"), "" if none takes it.
// Reads only the header bytes; says nothing on stderr. Starts libvips if it has not started.
[[nodiscard]] std::string find_vips_loader(const std::filesystem::path& path);

// True if that loader's code is in a shared object other than libvips' own: one of its loadable modules (also
// where dladdr cannot say). False for "" and for a name that is no libvips loader.
[[nodiscard]] bool vips_loader_in_module(std::string_view loader);

}  // namespace pipeline::detail
