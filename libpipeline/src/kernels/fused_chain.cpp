#include "kernels/fused_chain.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/row_kernels.hpp"

namespace pipeline::kernels {
namespace {

// Receives the rows of its input top to bottom (push), and emits each output row as soon as the rows it needs
// have arrived (one row behind), edge rows replicated.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void push(const std::uint8_t* row) = 0;  // `row` is width bytes, valid only during the call
  virtual void finish() = 0;                       // after the last row
};

// Pointwise tables, then the next sink. Consecutive lookups are composed into one table beforehand.
class LookupSink final : public RowSink {
 public:
  LookupSink(int width, const std::array<std::uint8_t, 256>& table, RowSink& next)
      : table_(table), next_(next), row_(static_cast<std::size_t>(width)) {}
  void push(const std::uint8_t* row) override {
    lookup_bytes(row, row_.data(), row_.size(), table_.data());
    next_.push(row_.data());
  }
  void finish() override { next_.finish(); }

 private:
  std::array<std::uint8_t, 256> table_;
  RowSink& next_;
  std::vector<std::uint8_t> row_;
};

// Writes rows into the output image.
class ImageSink final : public RowSink {
 public:
  explicit ImageSink(Image& out) : out_(out) {}
  void push(const std::uint8_t* row) override {
    std::memcpy(out_.row(y_++), row, static_cast<std::size_t>(out_.width()));
  }
  void finish() override {}

 private:
  Image& out_;
  int y_ = 0;
};

// The 3x3 stencils over a ring of three edge-padded input rows, slot(y) holding input row y (y = -1 .. height).
class StencilSink final : public RowSink {
 public:
  StencilSink(FusedStage::Kind kind, int width, RowSink& next)
      : kind_(kind), width_(width), stride_(static_cast<std::size_t>(width) + 2), rows_(3 * stride_),
        out_(static_cast<std::size_t>(width)), next_(next) {
    if (kind_ == FusedStage::Kind::blur) horizontal_.resize(3 * static_cast<std::size_t>(width));
  }

  void push(const std::uint8_t* row) override {
    const int y = received_++;
    store(y, row);
    if (y == 0) store(-1, row);  // the row above the first is the first
    if (y >= 1) emit(y - 1);
  }

  void finish() override {
    if (received_ == 0) return;
    store(received_, slot(received_ - 1));  // the row below the last is the last
    emit(received_ - 1);
    next_.finish();
  }

 private:
  std::uint8_t* slot(int y) { return rows_.data() + static_cast<std::size_t>((y + 3) % 3) * stride_ + 1; }
  float* horizontal(int y) { return horizontal_.data() + static_cast<std::size_t>((y + 3) % 3) * static_cast<std::size_t>(width_); }

  void store(int y, const std::uint8_t* row) {
    std::uint8_t* target = slot(y);
    std::memmove(target, row, static_cast<std::size_t>(width_));  // memmove: finish() copies slot to slot
    target[-1] = target[0];
    target[width_] = target[width_ - 1];
    if (kind_ == FusedStage::Kind::blur) blur_horizontal(target, horizontal(y), width_);
  }

  void emit(int y) {
    switch (kind_) {
      case FusedStage::Kind::blur:
        blur_vertical(horizontal(y - 1), horizontal(y), horizontal(y + 1), out_.data(), width_);
        break;
      case FusedStage::Kind::sobel:
        sobel_row(slot(y - 1), slot(y), slot(y + 1), out_.data(), width_);
        break;
      default:
        sharpen_row(slot(y - 1), slot(y), slot(y + 1), out_.data(), width_);
        break;
    }
    next_.push(out_.data());
  }

  FusedStage::Kind kind_;
  int width_;
  std::size_t stride_;
  std::vector<std::uint8_t> rows_;
  std::vector<float> horizontal_;
  std::vector<std::uint8_t> out_;
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

  // Feed the input, converted to grey row by row (a no-op copy for grey input).
  std::vector<std::uint8_t> row(static_cast<std::size_t>(width));
  for (int y = 0; y < input.height(); ++y) {
    if (input.is_gray8()) {
      next->push(input.row(y));
    } else {
      gray_row(input, y, row.data());
      next->push(row.data());
    }
  }
  next->finish();
}

}  // namespace pipeline::kernels
