// The URL list and the file names URLs get (fetch.hpp): pure functions, no network.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/fetch.hpp"

namespace pipeline {
namespace {

// A name stays well under NAME_MAX (255 bytes), leaving room for the "-N" of a duplicate and for the temporary
// file's prefix and suffix (transfer.cpp), which must fit in the same folder entry limit.
constexpr std::size_t max_name_bytes = 200;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; a '%' not followed by two hex digits is kept as it is (servers do send such paths).
std::string percent_decoded(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        decoded += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    decoded += text[i];
  }
  return decoded;
}

// Cuts `name` to max_name_bytes, keeping a short extension and never splitting a UTF-8 sequence.
std::string shortened(const std::string& name) {
  if (name.size() <= max_name_bytes) return name;
  const auto dot = name.rfind('.');
  const std::string extension = dot != std::string::npos && name.size() - dot <= 16 ? name.substr(dot) : "";
  std::size_t keep = max_name_bytes - extension.size();
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;  // a continuation byte
  return name.substr(0, keep) + extension;
}

}  // namespace

std::size_t FetchResult::count(FetchStatus status) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [status](const FetchItem& item) { return item.status == status; }));
}

std::vector<std::string> read_url_list(const std::filesystem::path& list) {
  std::ifstream in(list);
  if (!in) throw FetchError(fmt::format("cannot read the URL list '{}': {}", list.string(), std::strerror(errno)));
  std::vector<std::string> urls;
  std::string line;
  constexpr std::string_view blanks = " \t\r\n\f\v";
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(blanks);
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(blanks);
    urls.push_back(line.substr(first, last - first + 1));
  }
  if (in.bad()) throw FetchError(fmt::format("cannot read the URL list '{}'", list.string()));
  return urls;
}

std::string file_name_for_url(std::string_view url) {
  // The path starts after "scheme://authority"; a URL without a scheme is taken as a path.
  std::string_view path = url;
  if (const auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    const auto path_start = url.find_first_of("/?#", scheme_end + 3);
    path = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  }
  path = path.substr(0, path.find_first_of("?#"));
  const auto slash = path.rfind('/');
  const std::string segment = percent_decoded(slash == std::string_view::npos ? path : path.substr(slash + 1));

  std::string name;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    // '/' and '\' would reach another folder; control characters make names no one can type or see.
    name += (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7F) ? '_' : c;
  }
  // Leading dots: no hidden files (the temporaries and the sidecar are hidden), no "." or "..".
  name.erase(0, name.find_first_not_of('.'));
  if (name.empty()) return "download";
  return shortened(name);
}

std::vector<std::string> file_names_for_urls(const std::vector<std::string>& urls) {
  std::vector<std::string> names;
  names.reserve(urls.size());
  std::set<std::string> taken;
  for (const auto& url : urls) {
    std::string name = file_name_for_url(url);
    if (taken.contains(name)) {
      const auto dot = name.rfind('.');
      const bool has_extension = dot != std::string::npos && dot > 0;
      const std::string stem = has_extension ? name.substr(0, dot) : name;
      const std::string extension = has_extension ? name.substr(dot) : "";
      for (int n = 2;; ++n) {
        name = fmt::format("{}-{}{}", stem, n, extension);
        if (!taken.contains(name)) break;
      }
    }
    taken.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace pipeline
