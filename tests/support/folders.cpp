#include "folders.hpp"

#include <unistd.h>

#include <system_error>

namespace pipeline::test {

std::set<std::string> files_in(const std::filesystem::path& folder) {
  std::set<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    names.insert(it->path().filename().string());
  }
  return names;
}

std::set<std::string> hidden_files_in(const std::filesystem::path& folder) {
  std::set<std::string> hidden;
  for (const std::string& name : files_in(folder)) {
    if (name.starts_with('.')) hidden.insert(name);
  }
  return hidden;
}

std::size_t outputs_in(const std::filesystem::path& folder) {
  std::size_t count = 0;
  for (const std::string& name : files_in(folder)) count += !name.starts_with('.') && name.ends_with(".png") ? 1 : 0;
  return count;
}

bool wait_for_first_output(const std::filesystem::path& folder) {
  for (int waited_ms = 0; outputs_in(folder) == 0 && waited_ms < 60'000; waited_ms += 2) ::usleep(2'000);
  return outputs_in(folder) > 0;
}

}  // namespace pipeline::test
