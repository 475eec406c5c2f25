#include "kernels/fused_chain.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/row_kernels.hpp"

namespace pipeline::kernels {
namespace {

// Receives the rows of its input top to bottom and emits each output row as soon as the rows it needs have
// arrived (one row behind), edge rows replicated. Rows are not copied from stage to stage: each stage offers the
// buffer its next input row must be written into (input()), the stage before writes the row there, then calls
// push(); a 3x3 stage's buffer is a slot of its ring of rows, the image sink's is the output row itself.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Where the next row goes: width bytes (a stencil's also has x = -1 and x = width, which it fills itself).
  virtual std::uint8_t* input() = 0;
  virtual void push() = 0;    // the row at input() is complete
  virtual void finish() = 0;  // after the last row
};

// A pointwise table, applied in place in the next sink's buffer. Consecutive lookups are composed into one table
// beforehand.
class LookupSink final : public RowSink {
 public:
  LookupSink(int width, const std::array<std::uint8_t, 256>& table, RowSink& next)
      : table_(table), next_(next), width_(static_cast<std::size_t>(width)) {}
  std::uint8_t* input() override { return next_.input(); }
  void push() override {
    lookup_bytes_in_place(next_.input(), width_, table_.data());
    next_.push();
  }
  void finish() override { next_.finish(); }

 private:
  std::array<std::uint8_t, 256> table_;
  RowSink& next_;
  std::size_t width_;
};

// Rows are written straight into the output image.
class ImageSink final : public RowSink {
 public:
  explicit ImageSink(Image& out) : out_(out) {}
  std::uint8_t* input() override { return out_.row(y_); }
  void push() override { ++y_; }
  void finish() override {}

 private:
  Image& out_;
  int y_ = 0;
};

// The 3x3 stencils over a ring of three edge-padded input rows, slot(y) holding input row y (y = -1 .. height).
// Blur keeps its ring as horizontally blurred float rows instead, and one padded byte row to receive input in.
class StencilSink final : public RowSink {
 public:
  StencilSink(FusedStage::Kind kind, int width, RowSink& next)
      : kind_(kind),
        width_(width),
        stride_(static_cast<std::size_t>(width) + 2),
        rows_((kind == FusedStage::Kind::blur ? 1 : 3) * stride_),
        next_(next) {
    if (kind_ == FusedStage::Kind::blur) horizontal_.resize(3 * static_cast<std::size_t>(width));
  }

  std::uint8_t* input() override { return slot(received_); }

  void push() override {
    const int y = received_++;
    std::uint8_t* row = slot(y);
    row[-1] = row[0];
    row[width_] = row[width_ - 1];
    if (kind_ == FusedStage::Kind::blur) {
      blur_horizontal(row, horizontal(y), width_);
      // The row above the first is the first.
      if (y == 0) std::memcpy(horizontal(-1), horizontal(0), static_cast<std::size_t>(width_) * sizeof(float));
    } else if (y == 0) {
      std::memcpy(slot(-1) - 1, row - 1, stride_);
    }
    if (y >= 1) emit(y - 1);
  }

  void finish() override {
    if (received_ == 0) return;
    // The row below the last is the last.
    const int last = received_ - 1;
    if (kind_ == FusedStage::Kind::blur) {
      std::memcpy(horizontal(received_), horizontal(last), static_cast<std::size_t>(width_) * sizeof(float));
    } else {
      std::memcpy(slot(received_) - 1, slot(last) - 1, stride_);
    }
    emit(last);
    next_.finish();
  }

 private:
  std::uint8_t* slot(int y) {
    if (kind_ == FusedStage::Kind::blur) return rows_.data() + 1;
    return rows_.data() + static_cast<std::size_t>((y + 3) % 3) * stride_ + 1;
  }
  float* horizontal(int y) {
    return horizontal_.data() + static_cast<std::size_t>((y + 3) % 3) * static_cast<std::size_t>(width_);
  }

  void emit(int y) {
    std::uint8_t* out = next_.input();
    switch (kind_) {
      case FusedStage::Kind::blur:
        blur_vertical(horizontal(y - 1), horizontal(y), horizontal(y + 1), out, width_);
        break;
      case FusedStage::Kind::sobel: sobel_row(slot(y - 1), slot(y), slot(y + 1), out, width_); break;
      default: sharpen_row(slot(y - 1), slot(y), slot(y + 1), out, width_); break;
    }
    next_.push();
  }

  FusedStage::Kind kind_;
  int width_;
  std::size_t stride_;
  std::vector<std::uint8_t> rows_;
  std::vector<float> horizontal_;
  RowSink& next_;
  int received_ = 0;
};

}  // namespace

Image run_fused(const Image& input, std::span<const FusedStage> stages) {
  Image out = Image::uninitialized(input.width(), input.height());
  run_fused_into(input, stages, out);
  return out;
}

void run_fused_into(const Image& input, std::span<const FusedStage> stages, Image& out) {
  if (!out.is_gray8() || out.width() != input.width() || out.height() != input.height()) {
    throw std::invalid_argument("run_fused_into: the output must be 8-bit grey of the input's size");
  }
  const int width = input.width();
  ImageSink image_sink(out);

  // Build the sinks back to front, composing runs of lookups into one table; grayscale stages are no-ops
  // after the first row conversion below (grey in, grey out).
  std::vector<std::unique_ptr<RowSink>> sinks;
  RowSink* next = &image_sink;
  for (std::size_t i = stages.size(); i-- > 0;) {
    const FusedStage& stage = stages[i];
    if (stage.kind == FusedStage::Kind::grayscale) continue;
    if (stage.kind == FusedStage::Kind::lookup) {
      std::array<std::uint8_t, 256> table = stage.table;
      while (i > 0 && stages[i - 1].kind == FusedStage::Kind::lookup) {
        --i;
        std::array<std::uint8_t, 256> composed{};
        for (std::size_t v = 0; v < 256; ++v) composed[v] = table[stages[i].table[v]];
        table = composed;
      }
      sinks.push_back(std::make_unique<LookupSink>(width, table, *next));
    } else {
      sinks.push_back(std::make_unique<StencilSink>(stage.kind, width, *next));
    }
    next = sinks.back().get();
  }

  // Feed the input, converted to grey row by row straight into the first stage's buffer (a copy for grey input).
  const std::size_t row_bytes = input.row_bytes();
  for (int y = 0; y < input.height(); ++y) {
    // The input comes from memory, the stages work in cache: ask for the next input row now, so that it arrives
    // while this row goes through the stages instead of stalling the next conversion.
    if (y + 1 < input.height()) {
      const std::uint8_t* next_row = input.row(y + 1);
      for (std::size_t offset = 0; offset < row_bytes; offset += 64) __builtin_prefetch(next_row + offset);
    }
    if (input.is_gray8()) {
      std::memcpy(next->input(), input.row(y), static_cast<std::size_t>(width));
    } else {
      gray_row(input, y, next->input());
    }
    next->push();
  }
  next->finish();
}

}  // namespace pipeline::kernels
