// The encoded task and result frames (types 11 and 12, wire.hpp): file jobs whose bytes travel with them.
#include <fmt/format.h>

#include "process_pool/wire.hpp"
#include "process_pool/wire_codec.hpp"

namespace pipeline::wire {

using namespace codec;

std::vector<std::uint8_t> encode_encoded_task(const EncodedTask& task) {
  if (task.name.empty()) throw ProtocolError("encoded task: an empty file name");
  Writer writer = start_frame(FrameType::encoded_task, 40 + task.name.size() + task.file.size());
  writer.u64(task.index);
  writer.text(task.name);
  write_file_options(writer, task.output_format, task.decode);
  writer.u64(task.file.size());
  writer.raw(task.file);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_encoded_result(const EncodedResult& result) {
  if (!result.record.ok() && !result.output_file.empty())
    throw ProtocolError("encoded result: a failed task with an output");
  Writer writer = start_frame(FrameType::encoded_result, 16 + record_bytes(result.record) + result.output_file.size());
  writer.u64(result.index);
  write_record(writer, result.record);
  writer.u64(result.output_file.size());
  writer.raw(result.output_file);
  return finish_frame(writer);
}

EncodedTask decode_encoded_task(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "encoded task frame");
  EncodedTask task;
  task.index = reader.u64();
  task.name = reader.text("file name");
  if (task.name.empty()) reader.fail("an empty file name");
  read_file_options(reader, task.output_format, task.decode);
  const std::uint64_t bytes = reader.u64();
  if (bytes == 0) reader.fail("an empty file");
  task.file = reader.take(bytes, "file bytes");
  reader.finish();
  return task;
}

EncodedResult decode_encoded_result(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "encoded result frame");
  EncodedResult result;
  result.index = reader.u64();
  result.record = read_record(reader);
  const std::uint64_t bytes = reader.u64();
  result.output_file = reader.take(bytes, "output file bytes");
  if (result.record.ok() == result.output_file.empty()) {
    reader.fail(result.record.ok() ? "a successful task without its PNG" : "a failed task with a PNG");
  }
  reader.finish();
  return result;
}

}  // namespace pipeline::wire
