// The wire protocol as pure functions over byte buffers: round trips, and rejection of every kind of bad frame.
#include <catch2/catch.hpp>

#include <cstring>

#include "pipeline/wire.hpp"
#include "test_images.hpp"

namespace wire = pipeline::wire;
using pipeline::Image;
using pipeline::SampleFormat;

namespace {

std::vector<std::uint8_t> payload_of(const std::vector<std::uint8_t>& frame) {
  return {frame.begin() + static_cast<std::ptrdiff_t>(wire::header_bytes), frame.end()};
}

Image rgba16(int width, int height) {
  Image image(width, height, 4, SampleFormat::u16);
  std::uint8_t value = 1;
  for (auto& byte : image.bytes()) byte = value += 7;
  return image;
}

void put_u32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace

TEST_CASE("the frame header is little-endian magic, type and payload length", "[wire]") {
  const auto frame = wire::encode_error("no");
  REQUIRE(frame.size() == wire::header_bytes + 4 + 2);
  CHECK(std::memcmp(frame.data(), "PIPE", 4) == 0);
  CHECK(frame[4] == 3);  // error
  CHECK(frame[8] == 6);  // payload bytes, low byte first
  for (std::size_t i = 9; i < 16; ++i) CHECK(frame[i] == 0);
}

TEST_CASE("a handshake survives the round trip", "[wire]") {
  wire::Handshake sent;
  sent.chain_spec = "grayscale,blur,brightness=1.5";
  sent.vips = {3, 17};
  sent.log_level = 1;
  sent.max_frame_bytes = 123456789;
  const auto frame = wire::encode_handshake(sent);
  const auto view = wire::split_frame(frame);
  REQUIRE(view.type == wire::FrameType::handshake);
  const auto got = wire::decode_handshake(view.payload);
  CHECK(got.version == wire::protocol_version);
  CHECK(got.chain_spec == sent.chain_spec);
  CHECK(got.vips.concurrency == 3);
  CHECK(got.vips.cache_max_operations == 17);
  CHECK(got.log_level == 1);
  CHECK(got.max_frame_bytes == 123456789);
}

TEST_CASE("a handshake of another protocol version is read only as far as its version", "[wire]") {
  auto frame = wire::encode_handshake({});
  frame[wire::header_bytes] = 99;
  frame.resize(wire::header_bytes + 2);  // a future version may lay the rest out differently
  CHECK(wire::decode_handshake(payload_of(frame)).version == 99);
}

TEST_CASE("hello and error frames survive the round trip", "[wire]") {
  const auto hello = wire::decode_hello(wire::split_frame(wire::encode_hello({wire::protocol_version, 4242})).payload);
  CHECK(hello.version == wire::protocol_version);
  CHECK(hello.pid == 4242);
  CHECK(wire::decode_error(wire::split_frame(wire::encode_error("unknown filter 'x'")).payload) == "unknown filter 'x'");
}

TEST_CASE("a task keeps its index, name and every sample of any layout", "[wire]") {
  for (const Image& image : {pipeline::test::noise_image(7, 5, 3, 1), rgba16(3, 2), pipeline::test::noise_image(1, 1, 1, 2)}) {
    const auto frame = wire::encode_task(77, "photo.jpg", image);
    CHECK(frame.size() == wire::task_frame_bytes("photo.jpg", image));
    const auto task = wire::decode_task(wire::split_frame(frame).payload);
    CHECK(task.index == 77);
    CHECK(task.name == "photo.jpg");
    CHECK(task.image == image);
  }
}

TEST_CASE("a prefix followed by the samples is the whole frame", "[wire]") {
  const Image image = rgba16(4, 3);
  auto joined = wire::encode_task_prefix(5, "a", image);
  joined.insert(joined.end(), image.bytes().begin(), image.bytes().end());
  CHECK(joined == wire::encode_task(5, "a", image));

  wire::Result result;
  result.index = 5;
  result.record.pid = 10;
  result.output = image;
  auto result_joined = wire::encode_result_prefix(result);
  result_joined.insert(result_joined.end(), image.bytes().begin(), image.bytes().end());
  CHECK(result_joined == wire::encode_result(result));
}

TEST_CASE("a result carries the worker's record and output", "[wire]") {
  wire::Result sent;
  sent.index = 3;
  sent.record.pid = 1234;
  sent.record.tid = 1240;
  sent.record.cpu_start = 1;
  sent.record.cpu_end = -1;
  sent.record.start_s = 100.25;
  sent.record.end_s = 101.5;
  sent.output = pipeline::test::noise_image(9, 4, 1, 3);
  const auto got = wire::decode_result(wire::split_frame(wire::encode_result(sent)).payload);
  CHECK(got.index == 3);
  CHECK(got.record.pid == 1234);
  CHECK(got.record.tid == 1240);
  CHECK(got.record.cpu_start == 1);
  CHECK(got.record.cpu_end == -1);
  CHECK(got.record.start_s == 100.25);
  CHECK(got.record.end_s == 101.5);
  CHECK(got.record.ok());
  CHECK(got.output == sent.output);
}

TEST_CASE("a failed result carries its error and no image", "[wire]") {
  wire::Result sent;
  sent.record.pid = 1;
  sent.record.error = "brightness: out of memory";
  const auto got = wire::decode_result(wire::split_frame(wire::encode_result(sent)).payload);
  CHECK(got.record.error == sent.record.error);
  CHECK(got.output.empty());
}

TEST_CASE("every truncation of a frame is rejected", "[wire]") {
  wire::Result result;
  result.record.pid = 1;
  result.output = pipeline::test::noise_image(3, 3, 1, 4);
  const std::vector<std::vector<std::uint8_t>> frames{
      wire::encode_handshake({}), wire::encode_hello({wire::protocol_version, 1}), wire::encode_error("x"),
      wire::encode_task(1, "n", pipeline::test::noise_image(4, 3, 2, 5)), wire::encode_result(result)};
  for (const auto& frame : frames) {
    for (std::size_t size = 0; size < frame.size(); ++size) {
      const std::span<const std::uint8_t> cut(frame.data(), size);
      CHECK_THROWS_AS(wire::split_frame(cut), wire::ProtocolError);
    }
  }
  // The payload decoders on their own: short payloads never read past the end.
  const auto task_payload = payload_of(frames[3]);
  for (std::size_t size = 0; size < task_payload.size(); ++size) {
    CHECK_THROWS_AS(wire::decode_task(std::span(task_payload.data(), size)), wire::ProtocolError);
  }
  const auto result_payload = payload_of(frames[4]);
  for (std::size_t size = 0; size < result_payload.size(); ++size) {
    CHECK_THROWS_AS(wire::decode_result(std::span(result_payload.data(), size)), wire::ProtocolError);
  }
}

TEST_CASE("trailing bytes after a payload are rejected", "[wire]") {
  auto payload = payload_of(wire::encode_task(1, "n", pipeline::test::noise_image(2, 2, 1, 6)));
  payload.push_back(0);
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("trailing"));
}

TEST_CASE("a frame larger than the limit is rejected from its header alone", "[wire]") {
  const auto frame = wire::encode_task(1, "n", pipeline::test::noise_image(100, 100, 1, 7));
  CHECK_THROWS_WITH(wire::decode_header(std::span(frame.data(), wire::header_bytes), 1000),
                    Catch::Contains("exceeds the maximum frame size"));
  // An absurd length never turns into an allocation.
  auto huge = wire::encode_error("x");
  for (std::size_t i = 8; i < 16; ++i) huge[i] = 0xff;
  CHECK_THROWS_AS(wire::decode_header(std::span(huge.data(), wire::header_bytes)), wire::ProtocolError);
}

TEST_CASE("garbage is not mistaken for a frame", "[wire]") {
  std::vector<std::uint8_t> garbage(64);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<std::uint8_t>(i * 37 + 11);
  CHECK_THROWS_WITH(wire::split_frame(garbage), Catch::Contains("bad magic"));

  auto unknown_type = wire::encode_error("x");
  put_u32(unknown_type, 4, 42);
  CHECK_THROWS_WITH(wire::split_frame(unknown_type), Catch::Contains("unknown frame type 42"));

  CHECK_THROWS_AS(wire::decode_header(std::span(garbage.data(), 3)), wire::ProtocolError);
}

TEST_CASE("an image whose pixel count disagrees with its geometry is rejected", "[wire]") {
  const Image image = pipeline::test::noise_image(4, 4, 1, 8);
  // Layout after the header: u64 index, u32 name length, name "n", then u32 width at offset 13.
  const std::size_t width_at = 8 + 4 + 1;
  const std::size_t bands_at = width_at + 8;
  const std::size_t format_at = bands_at + 1;

  auto payload = payload_of(wire::encode_task(0, "n", image));
  put_u32(payload, width_at, 5);
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("expected"));

  payload = payload_of(wire::encode_task(0, "n", image));
  payload[bands_at] = 2;
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("expected"));

  payload = payload_of(wire::encode_task(0, "n", image));
  payload[bands_at] = 5;
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("band count"));

  payload = payload_of(wire::encode_task(0, "n", image));
  payload[format_at] = 9;
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("sample format"));

  payload = payload_of(wire::encode_task(0, "n", image));
  put_u32(payload, width_at, 0);
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("size"));

  payload = payload_of(wire::encode_task(0, "n", image));
  put_u32(payload, width_at, 1u << 20);
  put_u32(payload, width_at + 4, 1u << 20);
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("pixel limit"));
}

TEST_CASE("text longer than its announced or allowed length is rejected", "[wire]") {
  auto payload = payload_of(wire::encode_error("abc"));
  put_u32(payload, 0, 1000);
  CHECK_THROWS_WITH(wire::decode_error(payload), Catch::Contains("remain"));
  put_u32(payload, 0, wire::max_text_bytes + 1);
  CHECK_THROWS_WITH(wire::decode_error(payload), Catch::Contains("limit"));
  CHECK_THROWS_AS(wire::encode_task(0, std::string(wire::max_text_bytes + 1, 'n'), Image(1, 1)), wire::ProtocolError);
}

TEST_CASE("a result without output or error, or with impossible times, is rejected", "[wire]") {
  wire::Result result;
  result.record.pid = 1;
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result))), Catch::Contains("without an output"));
  result.output = Image(1, 1);
  result.record.start_s = 2.0;
  result.record.end_s = 1.0;
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result))), Catch::Contains("times"));
  result.record.end_s = 3.0;
  result.record.pid = 0;
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result))), Catch::Contains("pid"));
}

TEST_CASE("a task must carry an image", "[wire]") {
  CHECK_THROWS_WITH(wire::decode_task(payload_of(wire::encode_task(0, "n", Image()))), Catch::Contains("empty image"));
}
