// libFuzzer target: every decoder of the process pool's wire protocol (pipeline/wire.hpp), chosen by the input's
// first byte (wire_input.hpp), and split_frame dispatching a whole frame to its type's decoder.
//
// Properties, for any bytes:
//  - a decoder returns or throws ProtocolError; anything else (another exception, a sanitizer report, an
//    allocation over -malloc_limit_mb) is a bug;
//  - what decodes re-encodes to the very same frame: the header rebuilt from the frame's type and length, then the
//    payload byte for byte. Reserved fields are checked to be 0 on decoding, so the encoders' zeros match. The one
//    exception: a handshake of another protocol version, of which only the version is read (the worker answers
//    with an error naming it), so only that much is compared;
//  - images and output areas in shared memory lie inside the memory as mapped.
//
// Not fuzzed here: the worker's own frame reader and session, which read these frames from a stream and act on
// them: fuzz_worker_frames.cpp.

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "process_pool/wire.hpp"
#include "wire_input.hpp"

namespace {

using namespace pipeline;
static_assert(static_cast<int>(fuzz::WireMode::file_result) - static_cast<int>(fuzz::WireMode::handshake) + 1 ==
                  static_cast<int>(wire::FrameType::file_result) &&
              static_cast<int>(fuzz::WireMode::chain) - static_cast<int>(fuzz::WireMode::handshake) + 1 ==
                  static_cast<int>(wire::FrameType::chain));
using Bytes = std::span<const std::uint8_t>;

std::uint64_t read_u64(Bytes& input) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value |= std::uint64_t{input[i]} << (8 * i);
  input = input.subspan(8);
  return value;
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Written here by hand from the layout in wire.hpp: the library has no encoder for a header alone.
std::vector<std::uint8_t> header_of(wire::FrameType type, std::uint64_t payload_bytes) {
  std::vector<std::uint8_t> out;
  put_u32(out, wire::magic);
  put_u32(out, static_cast<std::uint32_t>(type));
  put_u64(out, payload_bytes);
  return out;
}

// Runs a decoder: true when it accepted the bytes, false when it threw ProtocolError; aborts on anything else.
template <typename Decode>
bool decodes(const char* decoder, Decode&& decode) {
  try {
    decode();
    return true;
  } catch (const wire::ProtocolError&) {
    return false;
  } catch (const std::exception& error) {
    fuzz::unexpected_exception(decoder, error.what());
  }
}

void expect_same_frame(const std::vector<std::uint8_t>& encoded, wire::FrameType type, Bytes payload) {
  std::vector<std::uint8_t> expected = header_of(type, payload.size());
  expected.insert(expected.end(), payload.begin(), payload.end());
  if (encoded != expected) {
    const auto [at, _] = std::mismatch(encoded.begin(), encoded.end(), expected.begin(), expected.end());
    std::fprintf(stderr, "%s frame: re-encoded %zu bytes differ from the decoded %zu from byte %td\n",
                 std::string(wire::to_string(type)).c_str(), encoded.size(), expected.size(), at - encoded.begin());
  }
  FUZZ_CHECK(encoded == expected, "what decodes re-encodes to the same bytes");
}

void expect_inside(const wire::MappedBytes& mapped, wire::Memory memory, std::uint64_t offset, std::uint64_t bytes) {
  const std::uint64_t size = memory == wire::Memory::arena ? mapped.arena : mapped.segment;
  FUZZ_CHECK(offset <= size && bytes <= size - offset, "shared memory ranges lie inside the memory as mapped");
}

// Decodes `payload` as a frame of `type` and checks the properties above.
void check_payload(wire::FrameType type, Bytes payload, wire::MappedBytes mapped) {
  switch (type) {
    case wire::FrameType::handshake: {
      wire::Handshake handshake;
      if (!decodes("decode_handshake", [&] { handshake = wire::decode_handshake(payload); })) return;
      if (handshake.version != wire::protocol_version) {
        FUZZ_CHECK(payload.size() >= 2 && (payload[0] | payload[1] << 8) == handshake.version,
                   "a handshake of another version reports the version sent");
        return;
      }
      expect_same_frame(wire::encode_handshake(handshake), type, payload);
      return;
    }
    case wire::FrameType::hello: {
      wire::Hello hello;
      if (!decodes("decode_hello", [&] { hello = wire::decode_hello(payload); })) return;
      expect_same_frame(wire::encode_hello(hello), type, payload);
      return;
    }
    case wire::FrameType::error: {
      std::string message;
      if (!decodes("decode_error", [&] { message = wire::decode_error(payload); })) return;
      expect_same_frame(wire::encode_error(message), type, payload);
      return;
    }
    case wire::FrameType::chain: {
      wire::Chain chain;
      if (!decodes("decode_chain", [&] { chain = wire::decode_chain(payload); })) return;
      expect_same_frame(wire::encode_chain(chain), type, payload);
      return;
    }
    case wire::FrameType::ready: {
      std::uint64_t run = 0;
      if (!decodes("decode_ready", [&] { run = wire::decode_ready(payload); })) return;
      expect_same_frame(wire::encode_ready(run), type, payload);
      return;
    }
    case wire::FrameType::file_started: {
      std::uint64_t index = 0;
      if (!decodes("decode_file_started", [&] { index = wire::decode_file_started(payload); })) return;
      expect_same_frame(wire::encode_file_started(index), type, payload);
      return;
    }
    case wire::FrameType::segment: {
      std::uint64_t bytes = 0;
      if (!decodes("decode_segment", [&] { bytes = wire::decode_segment(payload); })) return;
      expect_same_frame(wire::encode_segment(bytes), type, payload);
      return;
    }
    case wire::FrameType::task: {
      wire::Task task;
      if (!decodes("decode_task", [&] { task = wire::decode_task(payload, mapped); })) return;
      FUZZ_CHECK(task.image.empty() == task.in_segment.has_value(), "a task's image is inline or in memory");
      if (task.in_segment) {
        expect_inside(mapped, task.in_segment->memory, task.in_segment->offset, task.in_segment->shape.size_bytes());
      }
      if (!task.output.none()) expect_inside(mapped, task.output.memory, task.output.offset, task.output.bytes);
      expect_same_frame(task.in_segment
                            ? wire::encode_segment_task(task.index, task.name, *task.in_segment, task.output)
                            : wire::encode_task(task.index, task.name, task.image, task.output),
                        type, payload);
      return;
    }
    case wire::FrameType::result: {
      wire::Result result;
      if (!decodes("decode_result", [&] { result = wire::decode_result(payload, mapped); })) return;
      const bool has_output = !result.output.empty() || result.output_in_segment.has_value();
      FUZZ_CHECK(has_output == result.record.ok(), "a result has an output exactly when it succeeded");
      FUZZ_CHECK(result.output.empty() || !result.output_in_segment, "a result's output is inline or in memory");
      if (result.output_in_segment) {
        const auto& at = *result.output_in_segment;
        expect_inside(mapped, at.memory, at.offset, at.shape.size_bytes());
      }
      expect_same_frame(wire::encode_result(result), type, payload);
      return;
    }
    case wire::FrameType::file_task: {
      wire::FileTask task;
      if (!decodes("decode_file_task", [&] { task = wire::decode_file_task(payload); })) return;
      FUZZ_CHECK(!task.input.empty() && !task.output.empty(), "file task paths are not empty");
      FUZZ_CHECK(task.input.find('\0') == std::string::npos && task.output.find('\0') == std::string::npos,
                 "file task paths hold no NUL");
      expect_same_frame(wire::encode_file_task(task), type, payload);
      return;
    }
    case wire::FrameType::file_result: {
      wire::FileResult result;
      if (!decodes("decode_file_result", [&] { result = wire::decode_file_result(payload); })) return;
      expect_same_frame(wire::encode_file_result(result), type, payload);
      return;
    }
    case wire::FrameType::encoded_task: {
      wire::EncodedTask task;
      if (!decodes("decode_encoded_task", [&] { task = wire::decode_encoded_task(payload); })) return;
      FUZZ_CHECK(!task.name.empty() && !task.file.empty(), "an encoded task has a name and bytes");
      FUZZ_CHECK(
          task.file.data() >= payload.data() && task.file.data() + task.file.size() <= payload.data() + payload.size(),
          "an encoded task's bytes lie inside its payload");
      expect_same_frame(wire::encode_encoded_task(task), type, payload);
      return;
    }
    case wire::FrameType::encoded_result: {
      wire::EncodedResult result;
      if (!decodes("decode_encoded_result", [&] { result = wire::decode_encoded_result(payload); })) return;
      FUZZ_CHECK(result.output_file.empty() != result.record.ok(),
                 "an encoded result has a PNG exactly when it succeeded");
      expect_same_frame(wire::encode_encoded_result(result), type, payload);
      return;
    }
  }
  FUZZ_CHECK(false, "decode_header and split_frame give only known frame types");
}

void check_header(Bytes input) {
  if (input.size() < 8) return;
  const std::uint64_t max_frame_bytes = read_u64(input);
  wire::FrameHeader header;
  if (!decodes("decode_header", [&] { header = wire::decode_header(input, max_frame_bytes); })) return;
  FUZZ_CHECK(header.payload_bytes <= max_frame_bytes, "a header's payload is within the limit");
  const auto rebuilt = header_of(header.type, header.payload_bytes);
  FUZZ_CHECK(input.size() == rebuilt.size() && std::equal(rebuilt.begin(), rebuilt.end(), input.begin()),
             "a decoded header rebuilds to the same bytes");
}

void check_frame(Bytes frame, wire::MappedBytes mapped) {
  wire::FrameView view{};
  if (!decodes("split_frame", [&] { view = wire::split_frame(frame); })) return;
  FUZZ_CHECK(view.payload.data() == frame.data() + wire::header_bytes &&
                 view.payload.size() == frame.size() - wire::header_bytes,
             "split_frame's payload is the rest of the buffer");
  check_payload(view.type, view.payload, mapped);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes input(data, size);
  if (input.empty()) return 0;
  const auto mode = static_cast<fuzz::WireMode>(input[0] % fuzz::wire_mode_count);
  input = input.subspan(1);
  const auto read_mapped = [&input]() -> std::optional<wire::MappedBytes> {
    if (input.size() < 16) return std::nullopt;
    const std::uint64_t segment = read_u64(input);
    return wire::MappedBytes{segment, read_u64(input)};
  };
  const auto frame_type = [mode] {
    return static_cast<wire::FrameType>(static_cast<std::uint32_t>(mode) -
                                        static_cast<std::uint32_t>(fuzz::WireMode::handshake) + 1);
  };
  switch (mode) {
    case fuzz::WireMode::header: check_header(input); break;
    case fuzz::WireMode::frame:
      if (const auto mapped = read_mapped()) check_frame(input, *mapped);
      break;
    case fuzz::WireMode::task:
    case fuzz::WireMode::result:
      if (const auto mapped = read_mapped()) check_payload(frame_type(), input, *mapped);
      break;
    default: check_payload(frame_type(), input, {}); break;
  }
  return 0;
}
