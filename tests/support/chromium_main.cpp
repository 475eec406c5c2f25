// main() of a test program whose cases need headless Chromium: with no Chromium installed it runs nothing and
// exits with chromium_skip_return_code, which ctest reports as skipped (Catch2 v2 has no way to skip a case).
#define CATCH_CONFIG_RUNNER
#include <cstdlib>
#include <iostream>

#include <catch2/catch.hpp>

#include "chromium.hpp"

int main(int argc, char* argv[]) {
  if (!pipeline::test::find_chromium()) {
    if (const char* chosen = std::getenv("PIPELINE_CHROMIUM")) {
      std::cout << "SKIPPED: PIPELINE_CHROMIUM='" << chosen << "' names no executable Chromium\n";
    } else {
      std::cout << "SKIPPED: no Chromium found (neither chromium nor chromium-browser on PATH, nor "
                   "/usr/bin/chromium); install it with apt-get install chromium (scripts/install-deps.sh does)\n";
    }
    return pipeline::test::chromium_skip_return_code;
  }
  return Catch::Session().run(argc, argv);
}
