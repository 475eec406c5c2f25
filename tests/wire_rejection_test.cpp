// The wire protocol's rejection of bad frames, as pure functions over byte buffers: every truncation, trailing
// bytes, frames over the limit, garbage, and fields that contradict each other. Round trips: wire_test.cpp.
#include <functional>

#include <catch2/catch.hpp>

#include "frame_bytes.hpp"
#include "process_pool/wire.hpp"
#include "test_images.hpp"

namespace wire = pipeline::wire;
using pipeline::Image;
using pipeline::SampleFormat;
using pipeline::test::payload_of;
using pipeline::test::put_u32;

TEST_CASE("every truncation of a frame is rejected", "[wire]") {
  wire::Result result;
  result.record.pid = 1;
  result.output = pipeline::test::noise_image(3, 3, 1, 4);
  result.record.stages = {{"blur", 1.0, 2.0}};
  wire::FileResult file_result{7, result.record};
  wire::Handshake shared;
  shared.transport = pipeline::Transport::shared_memory;
  shared.segment_fd = 3;
  constexpr std::uint64_t segment = 1 << 16;
  const std::vector<std::vector<std::uint8_t>> frames{
      wire::encode_handshake(shared),
      wire::encode_hello({wire::protocol_version, 1}),
      wire::encode_error("x"),
      wire::encode_task(1, "n", pipeline::test::noise_image(4, 3, 2, 5)),
      wire::encode_result(result),
      wire::encode_chain({1, true, "blur"}),
      wire::encode_ready(1),
      wire::encode_segment(segment),
      wire::encode_segment_task(2, "s", {{4, 3, 2, SampleFormat::u8}, 0}, {4096, 4096}),
      wire::encode_file_task({3, "in.jpg", "out.png", {}}),
      wire::encode_file_result(file_result)};
  for (const auto& frame : frames) {
    for (std::size_t size = 0; size < frame.size(); ++size) {
      const std::span<const std::uint8_t> cut(frame.data(), size);
      CHECK_THROWS_AS(wire::split_frame(cut), wire::ProtocolError);
    }
  }
  // The payload decoders on their own: short payloads never read past the end.
  const std::vector<std::function<void(std::span<const std::uint8_t>)>> decoders{
      [](auto p) { (void)wire::decode_handshake(p); },
      [](auto p) { (void)wire::decode_hello(p); },
      [](auto p) { (void)wire::decode_error(p); },
      [](auto p) { (void)wire::decode_task(p, {segment}); },
      [](auto p) { (void)wire::decode_result(p, {segment}); },
      [](auto p) { (void)wire::decode_chain(p); },
      [](auto p) { (void)wire::decode_ready(p); },
      [](auto p) { (void)wire::decode_segment(p); },
      [](auto p) { (void)wire::decode_task(p, {segment}); },
      [](auto p) { (void)wire::decode_file_task(p); },
      [](auto p) { (void)wire::decode_file_result(p); }};
  REQUIRE(decoders.size() == frames.size());
  for (std::size_t f = 0; f < frames.size(); ++f) {
    INFO("frame type " << wire::to_string(wire::split_frame(frames[f]).type));
    const auto payload = payload_of(frames[f]);
    CHECK_NOTHROW(decoders[f](payload));
    for (std::size_t size = 0; size < payload.size(); ++size) {
      CHECK_THROWS_AS(decoders[f](std::span(payload.data(), size)), wire::ProtocolError);
    }
    auto longer = payload;
    longer.push_back(0);
    CHECK_THROWS_AS(decoders[f](longer), wire::ProtocolError);
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
  // Layout after the header: u64 index, u32 name length, name "n", the output area (24 bytes), then u32 width.
  const std::size_t width_at = 8 + 4 + 1 + 24;
  const std::size_t bands_at = width_at + 8;
  const std::size_t format_at = bands_at + 1;
  const std::size_t placement_at = format_at + 1;

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
  payload[placement_at] = 3;
  CHECK_THROWS_WITH(wire::decode_task(payload), Catch::Contains("placement"));

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
