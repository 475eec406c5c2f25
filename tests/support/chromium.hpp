#pragma once
// Headless Chromium for tests that check what a browser makes of a page we write (the HTML report): the DOM it
// parsed and a screenshot of what it drew. Every call starts a fresh Chromium with a throw-away profile, no
// network services, and a time limit, so a test neither depends on nor leaves any browser state.

#include <filesystem>
#include <optional>
#include <string>

namespace pipeline::test {

// What a test program that needs Chromium returns when there is none: ctest reports it as skipped, not passed
// (SKIP_RETURN_CODE in tests/CMakeLists.txt; chromium_main.cpp is such a program's main()).
inline constexpr int chromium_skip_return_code = 77;

// $PIPELINE_CHROMIUM when set (a path; empty: none, to try the skipping), else `chromium` (or `chromium-browser`) on
// PATH, else /usr/bin/chromium; nothing when there is none.
[[nodiscard]] std::optional<std::filesystem::path> find_chromium();

// The DOM after Chromium loaded `html` from disk (--dump-dom), serialised as HTML. Throws std::runtime_error,
// with Chromium's own messages, when there is no Chromium or it fails or takes longer than a minute.
[[nodiscard]] std::string dump_dom(const std::filesystem::path& html);

// A PNG of the first `width` x `height` CSS pixels of the page, as Chromium draws it (--screenshot). Throws like
// dump_dom, and when no PNG appears.
void screenshot(const std::filesystem::path& html, const std::filesystem::path& png, int width, int height);

}  // namespace pipeline::test
