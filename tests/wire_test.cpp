// The wire protocol as pure functions over byte buffers: every frame survives its round trip, and a frame whose
// fields break the rules is rejected. Malformed frames in general: wire_rejection_test.cpp.
#include "process_pool/wire.hpp"

#include <cstring>

#include <catch2/catch.hpp>

#include "frame_bytes.hpp"
#include "test_images.hpp"

namespace wire = pipeline::wire;
using pipeline::Image;
using pipeline::SampleFormat;
using pipeline::test::payload_of;
using pipeline::test::put_u32;

namespace {

Image rgba16(int width, int height) {
  Image image(width, height, 4, SampleFormat::u16);
  std::uint8_t value = 1;
  for (auto& byte : image.bytes()) byte = value += 7;
  return image;
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

TEST_CASE("a handshake survives the round trip, with either transport", "[wire]") {
  wire::Handshake sent;
  sent.vips = {3, 17};
  sent.log_level = 1;
  sent.max_frame_bytes = 123456789;
  const auto frame = wire::encode_handshake(sent);
  const auto view = wire::split_frame(frame);
  REQUIRE(view.type == wire::FrameType::handshake);
  const auto got = wire::decode_handshake(view.payload);
  CHECK(got.version == wire::protocol_version);
  CHECK(got.vips.concurrency == 3);
  CHECK(got.vips.cache_max_operations == 17);
  CHECK(got.log_level == 1);
  CHECK(got.max_frame_bytes == 123456789);
  CHECK(got.transport == pipeline::Transport::pipe);
  CHECK(got.segment_fd == -1);
  CHECK(got.segment_bytes == 0);

  sent.transport = pipeline::Transport::shared_memory;
  sent.segment_fd = 3;
  sent.segment_bytes = 1 << 20;
  const auto shared = wire::decode_handshake(payload_of(wire::encode_handshake(sent)));
  CHECK(shared.transport == pipeline::Transport::shared_memory);
  CHECK(shared.segment_fd == 3);
  CHECK(shared.segment_bytes == 1 << 20);
  CHECK(shared.arena_fd == -1);
  CHECK(shared.arena_bytes == 0);

  sent.arena_fd = 4;
  sent.arena_bytes = std::uint64_t{64} << 30;
  const auto arena = wire::decode_handshake(payload_of(wire::encode_handshake(sent)));
  CHECK(arena.arena_fd == 4);
  CHECK(arena.arena_bytes == std::uint64_t{64} << 30);
}

TEST_CASE("a handshake may not ask for frames larger than the largest image needs", "[wire]") {
  // 2^30 pixels x 4 bands x 2 bytes, and the fields around them: still accepted.
  wire::Handshake sent;
  sent.max_frame_bytes = (std::uint64_t{1} << 33) + (std::uint64_t{1} << 20);
  CHECK(sent.max_frame_bytes == wire::max_handshake_frame_bytes);
  CHECK(wire::decode_handshake(payload_of(wire::encode_handshake(sent))).max_frame_bytes == sent.max_frame_bytes);
  // One byte more, or 2^62, would have a worker agree to read (and once, to allocate) that much.
  for (const std::uint64_t too_large : {wire::max_handshake_frame_bytes + 1, std::uint64_t{1} << 62}) {
    sent.max_frame_bytes = too_large;
    CHECK_THROWS_AS(wire::decode_handshake(payload_of(wire::encode_handshake(sent))), wire::ProtocolError);
    CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(sent))),
                      Catch::Contains("maximum frame size " + std::to_string(too_large) + " exceeds the limit of " +
                                      std::to_string(wire::max_handshake_frame_bytes) + " bytes"));
  }
}

TEST_CASE("a handshake with shared image memory must give it a descriptor of its own and a size", "[wire]") {
  wire::Handshake pipe;
  pipe.arena_fd = 4;
  pipe.arena_bytes = 4096;
  CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(pipe))),
                    Catch::Contains("pipe transport"));

  wire::Handshake shared;
  shared.transport = pipeline::Transport::shared_memory;
  shared.segment_fd = 3;
  shared.arena_fd = 3;  // the segment's
  shared.arena_bytes = 4096;
  CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(shared))), Catch::Contains("of its own"));
  shared.arena_fd = 4;
  shared.arena_bytes = 0;
  CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(shared))), Catch::Contains("0 bytes"));
}

TEST_CASE("images and output areas in shared image memory are checked against its size, not the segment's", "[wire]") {
  const wire::ImageShape shape{100, 10, 3, SampleFormat::u8};  // 3000 bytes
  const wire::SegmentImage input{shape, 8192, wire::Memory::arena};
  const wire::SegmentArea output{16384, 1000, wire::Memory::arena};
  const auto payload = payload_of(wire::encode_segment_task(5, "in-place", input, output));
  const auto task = wire::decode_task(payload, {0, 20000});
  REQUIRE(task.in_segment);
  CHECK(*task.in_segment == input);
  CHECK(task.output == output);
  CHECK(task.image.empty());
  // A segment of the same size does not stand in for shared image memory, nor the reverse.
  CHECK_THROWS_WITH(wire::decode_task(payload, {20000, 0}), Catch::Contains("shared image memory, but none is mapped"));
  CHECK_THROWS_WITH(wire::decode_task(payload, {0, 17383}), Catch::Contains("output area"));
  CHECK_THROWS_WITH(wire::decode_task(payload, {0, 11191}), Catch::Contains("outside"));

  wire::Result result;
  result.record.pid = 1;
  result.output_in_segment = wire::SegmentImage{{100, 10, 1, SampleFormat::u8}, 16384, wire::Memory::arena};
  const auto got = wire::decode_result(payload_of(wire::encode_result(result)), {0, 20000});
  REQUIRE(got.output_in_segment);
  CHECK(got.output_in_segment->memory == wire::Memory::arena);
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result)), {20000, 0}),
                    Catch::Contains("none is mapped"));
}

TEST_CASE("a handshake whose transport and segment disagree is rejected", "[wire]") {
  // Layout after the version: u16 reserved, 3 x u32 settings, u64 max frame, then u8 transport at offset 24.
  constexpr std::size_t transport_at = 2 + 2 + 12 + 8;
  wire::Handshake pipe;
  pipe.segment_fd = 3;  // a segment with the pipe transport
  CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(pipe))),
                    Catch::Contains("pipe transport"));

  wire::Handshake shared;
  shared.transport = pipeline::Transport::shared_memory;
  shared.segment_fd = 1;  // stdout is never the segment
  CHECK_THROWS_WITH(wire::decode_handshake(payload_of(wire::encode_handshake(shared))), Catch::Contains("segment fd"));

  auto payload = payload_of(wire::encode_handshake({}));
  payload[transport_at] = 7;
  CHECK_THROWS_WITH(wire::decode_handshake(payload), Catch::Contains("unknown transport 7"));
}

TEST_CASE("a chain frame carries the run, the profiling flag and the spec", "[wire]") {
  const wire::Chain sent{42, true, "grayscale,blur,brightness=1.5"};
  const auto frame = wire::encode_chain(sent);
  const auto view = wire::split_frame(frame);
  REQUIRE(view.type == wire::FrameType::chain);
  const auto got = wire::decode_chain(view.payload);
  CHECK(got.run == 42);
  CHECK(got.profile_stages);
  CHECK(got.spec == sent.spec);
  CHECK_FALSE(wire::decode_chain(payload_of(wire::encode_chain({1, false, "blur"}))).profile_stages);

  auto payload = payload_of(wire::encode_chain(sent));
  payload[8] = 0x03;  // flags: bit 1 means nothing yet
  CHECK_THROWS_WITH(wire::decode_chain(payload), Catch::Contains("unknown flags"));
}

TEST_CASE("ready and segment frames carry their number", "[wire]") {
  const auto ready_frame = wire::encode_ready(77);
  const auto ready = wire::split_frame(ready_frame);
  CHECK(ready.type == wire::FrameType::ready);
  CHECK(wire::decode_ready(ready.payload) == 77);
  const auto segment_frame = wire::encode_segment(8 << 20);
  const auto segment = wire::split_frame(segment_frame);
  CHECK(segment.type == wire::FrameType::segment);
  CHECK(wire::decode_segment(segment.payload) == 8 << 20);
  CHECK_THROWS_WITH(wire::decode_segment(payload_of(wire::encode_segment(0))), Catch::Contains("0 bytes"));
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
  CHECK(wire::decode_error(wire::split_frame(wire::encode_error("unknown filter 'x'")).payload) ==
        "unknown filter 'x'");
}

TEST_CASE("a task keeps its index, name and every sample of any layout", "[wire]") {
  for (const Image& image :
       {pipeline::test::noise_image(7, 5, 3, 1), rgba16(3, 2), pipeline::test::noise_image(1, 1, 1, 2)}) {
    const auto frame = wire::encode_task(77, "photo.jpg", image);
    CHECK(frame.size() == wire::task_frame_bytes("photo.jpg", image));
    const auto task = wire::decode_task(wire::split_frame(frame).payload);
    CHECK(task.index == 77);
    CHECK(task.name == "photo.jpg");
    CHECK(task.image == image);
    CHECK_FALSE(task.in_segment);
    CHECK(task.output == wire::SegmentArea{});
  }
}

TEST_CASE("a task in the segment says where its samples are and where the output may go", "[wire]") {
  const wire::SegmentImage input{{640, 480, 3, SampleFormat::u8}, 0};
  const wire::SegmentArea output{921600, 307200};
  const auto frame = wire::encode_segment_task(9, "big.png", input, output);
  CHECK(frame.size() < 100);  // the samples are not in the frame
  const auto task = wire::decode_task(wire::split_frame(frame).payload, {921600 + 307200});
  CHECK(task.index == 9);
  CHECK(task.name == "big.png");
  CHECK(task.image.empty());
  REQUIRE(task.in_segment);
  CHECK(*task.in_segment == input);
  CHECK(task.output == output);
}

TEST_CASE("an image or output area outside the mapped segment is rejected", "[wire]") {
  const wire::ImageShape shape{100, 10, 1, SampleFormat::u8};  // 1000 bytes
  const auto payload_for = [&](std::uint64_t offset, wire::SegmentArea output) {
    return payload_of(wire::encode_segment_task(0, "n", {shape, offset}, output));
  };
  CHECK_NOTHROW(wire::decode_task(payload_for(0, {1000, 1000}), {2000}));
  // No segment mapped at all (the pipe transport).
  CHECK_THROWS_WITH(wire::decode_task(payload_for(0, {}), {0}), Catch::Contains("none is mapped"));
  // The samples run past the end by one byte.
  CHECK_THROWS_WITH(wire::decode_task(payload_for(1001, {}), {2000}), Catch::Contains("outside"));
  // An offset so large that offset + size wraps around.
  CHECK_THROWS_WITH(wire::decode_task(payload_for(~std::uint64_t{0} - 10, {}), {2000}), Catch::Contains("outside"));
  // The output area past the end, or wrapping.
  CHECK_THROWS_WITH(wire::decode_task(payload_for(0, {1000, 1001}), {2000}), Catch::Contains("output area"));
  CHECK_THROWS_WITH(wire::decode_task(payload_for(0, {8, ~std::uint64_t{0}}), {2000}), Catch::Contains("output area"));

  wire::Result result;
  result.record.pid = 1;
  result.output_in_segment = wire::SegmentImage{shape, 1500};
  const auto result_payload = payload_of(wire::encode_result(result));
  CHECK_NOTHROW(wire::decode_result(result_payload, {2500}));
  CHECK_THROWS_WITH(wire::decode_result(result_payload, {2499}), Catch::Contains("outside"));
  CHECK_THROWS_WITH(wire::decode_result(result_payload), Catch::Contains("none is mapped"));
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

TEST_CASE("a result carries the worker's record, stages included, and output", "[wire]") {
  wire::Result sent;
  sent.index = 3;
  sent.record.pid = 1234;
  sent.record.tid = 1240;
  sent.record.cpu_start = 1;
  sent.record.cpu_end = -1;
  sent.record.start_s = 100.25;
  sent.record.end_s = 101.5;
  sent.record.pixels = 36;
  sent.record.stages = {{"grayscale", 100.25, 100.5}, {"brightness=1.5", 100.5, 101.5}};
  sent.output = pipeline::test::noise_image(9, 4, 1, 3);
  const auto got = wire::decode_result(wire::split_frame(wire::encode_result(sent)).payload);
  CHECK(got.index == 3);
  CHECK(got.record.pid == 1234);
  CHECK(got.record.tid == 1240);
  CHECK(got.record.cpu_start == 1);
  CHECK(got.record.cpu_end == -1);
  CHECK(got.record.start_s == 100.25);
  CHECK(got.record.end_s == 101.5);
  CHECK(got.record.pixels == 36);
  REQUIRE(got.record.stages.size() == 2);
  CHECK(got.record.stages[1].name == "brightness=1.5");
  CHECK(got.record.stages[1].start_s == 100.5);
  CHECK(got.record.stages[1].end_s == 101.5);
  CHECK(got.record.ok());
  CHECK(got.output == sent.output);
  CHECK_FALSE(got.output_in_segment);
}

TEST_CASE("a result whose output is in the segment says where", "[wire]") {
  wire::Result sent;
  sent.index = 1;
  sent.record.pid = 5;
  sent.output_in_segment = wire::SegmentImage{{20, 10, 1, SampleFormat::u8}, 4096};
  const auto got = wire::decode_result(payload_of(wire::encode_result(sent)), {8192});
  CHECK(got.output.empty());
  REQUIRE(got.output_in_segment);
  CHECK(*got.output_in_segment == *sent.output_in_segment);

  sent.output = Image(1, 1);  // both inline and in the segment: no such frame
  CHECK_THROWS_AS(wire::encode_result(sent), wire::ProtocolError);
}

TEST_CASE("impossible stages are rejected, and an absurd stage count allocates nothing", "[wire]") {
  wire::Result result;
  result.record.pid = 1;
  result.output = Image(1, 1);
  result.record.stages = {{"blur", 2.0, 1.0}};
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result))), Catch::Contains("stage 'blur'"));

  result.record.stages.clear();
  auto payload = payload_of(wire::encode_result(result));
  // Layout: u64 index, i64 pid, i64 tid, 2 x i32 cpu, 2 x f64 times, u64 pixels, then the u32 stage count.
  put_u32(payload, 8 + 8 + 8 + 8 + 16 + 8, 0xFFFFFFFF);
  CHECK_THROWS_WITH(wire::decode_result(payload), Catch::Contains("stages cannot fit"));

  result.record.pixels = static_cast<std::uint64_t>(pipeline::max_image_pixels) + 1;
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(result))), Catch::Contains("pixel limit"));
}

TEST_CASE("a file task carries both paths, the output format and how strictly to decode", "[wire]") {
  const wire::FileTask sent{12,
                            "/in/photo 1.jpg",
                            "/out/photo 1.webp",
                            {pipeline::ImageFormat::webp, 9, 42},
                            {pipeline::FailOn::truncated, 12345}};
  const auto frame = wire::encode_file_task(sent);
  const auto view = wire::split_frame(frame);
  REQUIRE(view.type == wire::FrameType::file_task);
  const auto got = wire::decode_file_task(view.payload);
  CHECK(got.index == 12);
  CHECK(got.input == sent.input);
  CHECK(got.output == sent.output);
  CHECK(got.output_format.format == pipeline::ImageFormat::webp);
  CHECK(got.output_format.compression == 9);
  CHECK(got.output_format.quality == 42);
  CHECK(got.decode.fail_on == pipeline::FailOn::truncated);
  CHECK(got.decode.max_pixels == 12345);
}

TEST_CASE("a file task with an impossible output format or path is rejected", "[wire]") {
  CHECK_THROWS_AS(wire::encode_file_task({0, "a", "b", {.compression = 10}}), wire::ProtocolError);
  CHECK_THROWS_AS(wire::encode_file_task({0, "a", "b", {.quality = 0}}), wire::ProtocolError);
  auto payload = payload_of(wire::encode_file_task({0, "a", "b", {}}));
  // Layout: u64 index, u32 + "a", u32 + "b", then the u8 compression.
  const std::size_t compression_at = 8 + 5 + 5;
  payload[compression_at] = 10;
  CHECK_THROWS_WITH(wire::decode_file_task(payload), Catch::Contains("compression 10"));
  payload[compression_at] = 6;
  payload[compression_at + 1] = 4;  // the fail-on level after it: 0..3
  CHECK_THROWS_WITH(wire::decode_file_task(payload), Catch::Contains("fail-on level 4"));
  payload[compression_at + 1] = 0;
  payload[compression_at + 2] = 4;  // the output format after it: 0..3
  CHECK_THROWS_WITH(wire::decode_file_task(payload), Catch::Contains("output format 4"));
  payload[compression_at + 2] = 1;
  payload[compression_at + 3] = 101;  // the quality after it: 1..100
  CHECK_THROWS_WITH(wire::decode_file_task(payload), Catch::Contains("quality 101"));
  payload[compression_at + 3] = 75;
  CHECK_NOTHROW(wire::decode_file_task(payload));

  CHECK_THROWS_WITH(wire::decode_file_task(payload_of(wire::encode_file_task({0, "", "b", {}}))),
                    Catch::Contains("empty path"));
  CHECK_THROWS_WITH(wire::decode_file_task(payload_of(wire::encode_file_task({0, std::string("a\0b", 3), "b", {}}))),
                    Catch::Contains("NUL"));
}

TEST_CASE("a file result carries the worker's record", "[wire]") {
  wire::FileResult sent;
  sent.index = 4;
  sent.record.pid = 99;
  sent.record.start_s = 1.0;
  sent.record.end_s = 2.0;
  sent.record.pixels = 640 * 480;
  sent.record.stages = {{"decode", 1.0, 1.25}, {"filters", 1.25, 1.5}, {"encode", 1.5, 2.0}};
  sent.record.error = "";
  sent.record.warnings = "VipsJpeg: Corrupt JPEG data: premature end of data segment";
  const auto frame = wire::encode_file_result(sent);
  const auto view = wire::split_frame(frame);
  REQUIRE(view.type == wire::FrameType::file_result);
  const auto got = wire::decode_file_result(view.payload);
  CHECK(got.index == 4);
  CHECK(got.record.pid == 99);
  CHECK(got.record.pixels == 640 * 480);
  CHECK(got.record.warnings == sent.record.warnings);
  REQUIRE(got.record.stages.size() == 3);
  CHECK(got.record.stages[2].name == "encode");

  sent.record.error = "in/x.jpg: cannot decode";
  CHECK(wire::decode_file_result(payload_of(wire::encode_file_result(sent))).record.error == sent.record.error);
}

TEST_CASE("a failed result carries its error and no image", "[wire]") {
  wire::Result sent;
  sent.record.pid = 1;
  sent.record.error = "brightness: out of memory";
  const auto got = wire::decode_result(wire::split_frame(wire::encode_result(sent)).payload);
  CHECK(got.record.error == sent.record.error);
  CHECK(got.output.empty());

  sent.output = Image(2, 2);  // an error and an image: which is it?
  CHECK_THROWS_WITH(wire::decode_result(payload_of(wire::encode_result(sent))),
                    Catch::Contains("failed task with an output"));
}

TEST_CASE("a task or result sent in two parts decodes from its first, the image allocated for the samples", "[wire]") {
  const Image rgb(3, 2, 3, SampleFormat::u8, std::vector<std::uint8_t>(18, 9));
  const auto prefix = wire::encode_task_prefix(4, "a.png", rgb);
  wire::Task task = wire::decode_task_prefix(payload_of(prefix), rgb.size_bytes());
  CHECK(task.index == 4);
  CHECK(task.name == "a.png");
  CHECK(wire::ImageShape::of(task.image) == wire::ImageShape::of(rgb));
  CHECK_THROWS_AS(wire::decode_task_prefix(payload_of(prefix), rgb.size_bytes() - 1), wire::ProtocolError);

  pipeline::TaskRecord record;
  record.pid = 7;
  const Image grey(3, 2, 1, SampleFormat::u16);
  const auto result_prefix = wire::encode_result_prefix({5, record, grey, std::nullopt});
  const wire::Result result = wire::decode_result_prefix(payload_of(result_prefix), grey.size_bytes());
  CHECK(result.index == 5);
  CHECK(wire::ImageShape::of(result.output) == wire::ImageShape::of(grey));
  // A failed task's result has no samples: none may be announced.
  record.error = "failed";
  const auto failed = wire::encode_result_prefix({6, record, Image(), std::nullopt});
  CHECK(wire::decode_result_prefix(payload_of(failed), 0).output.empty());
  CHECK_THROWS_AS(wire::decode_result_prefix(payload_of(failed), 8), wire::ProtocolError);
}
