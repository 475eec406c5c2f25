// A hostile worker program for the CLI (cli/worker_give_up_test.cpp), which makes a `run` be given up with a file
// job half written. It follows the protocol up to the first file job, then plays the part of its start, counted
// in the folder $PIPELINE_TEST_HOLDING_STATE: the first start holds its job's output half written (the temporary
// file write_png_atomic leaves, the library's naming) and hangs; the second waits for that file, notes it saw it
// (saw-temporary), and dies of SIGKILL; every later start dies of SIGKILL before its hello. Past a bound of
// failed starts in a row the pool gives the run up, with the first start's jobs in flight.
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "folders.hpp"
#include "process_pool/wire.hpp"
#include "worker_faults.hpp"
#include "worker_wire.hpp"

namespace fs = std::filesystem;
namespace wire = pipeline::wire;

namespace {

// Whether `folder` holds the temporary file of an output being written (`.<name>.<pid>.<n>.tmp.png`).
bool holds_temporary(const fs::path& folder) {
  for (const std::string& name : pipeline::test::hidden_files_in(folder)) {
    if (name.ends_with(".tmp.png")) return true;
  }
  return false;
}

[[noreturn]] void play(bool holder, const wire::FileTask& task, const fs::path& state) {
  const fs::path output(task.output);
  if (holder) {
    pipeline::test::leave_temporary_output(output);
    for (;;) ::pause();
  }
  for (int waited_ms = 0; waited_ms < 60'000; waited_ms += 2) {
    if (holds_temporary(output.parent_path())) {
      std::ofstream(state / "saw-temporary");
      break;
    }
    ::usleep(2'000);
  }
  ::raise(SIGKILL);
  ::_exit(9);
}

}  // namespace

int main() {
  const char* state_variable = std::getenv("PIPELINE_TEST_HOLDING_STATE");
  if (state_variable == nullptr) return 2;
  const fs::path state(state_variable);
  const bool holder = pipeline::test::first_time((state / "start-0").string());
  if (!holder && !pipeline::test::first_time((state / "start-1").string())) ::raise(SIGKILL);

  wire::FrameType type{};
  std::vector<std::uint8_t> payload;
  while (pipeline::test::read_frame(type, payload)) {
    switch (type) {
      case wire::FrameType::handshake:
        pipeline::test::write_all(wire::encode_hello({wire::protocol_version, static_cast<std::int64_t>(::getpid())}));
        break;
      case wire::FrameType::chain:
        pipeline::test::write_all(wire::encode_ready(wire::decode_chain(payload).run));
        break;
      case wire::FrameType::file_task: play(holder, wire::decode_file_task(payload), state);
      default: break;
    }
  }
  return 0;
}
