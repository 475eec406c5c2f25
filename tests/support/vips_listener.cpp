// Starts libvips once in every test program, before its first case: a Catch2 listener, linked into the test
// programs by tests/CMakeLists.txt (not into those that check what happens before anyone starts it, such as
// vips_first_use_test). With the default settings, the ones the library would start it with itself on first use.
// Programs that serve as their own process-pool workers are not affected when they do: they serve before Catch2
// runs, and their workers start libvips with the pool's settings.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // declares TestEventListenerBase
#include <catch2/catch.hpp>

#include "pipeline/vips.hpp"

namespace {

class StartVips final : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testRunStarting(const Catch::TestRunInfo& info) override {
    pipeline::initialize_vips();
    TestEventListenerBase::testRunStarting(info);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(StartVips)
