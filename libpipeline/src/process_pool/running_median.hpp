#pragma once
// Private to the library: the median of a stream of values, kept in O(log n) per value, for the process pool's
// task timeout (ProcessPoolOptions::TaskTimeout::median_multiple), which is asked after every task.

#include <functional>
#include <queue>
#include <vector>

namespace pipeline::detail {

class RunningMedian {
 public:
  void add(double value) {
    if (lower_.empty() || value <= lower_.top()) {
      lower_.push(value);
    } else {
      upper_.push(value);
    }
    // lower_ holds the smaller half and at most one more than upper_.
    if (lower_.size() > upper_.size() + 1) {
      upper_.push(lower_.top());
      lower_.pop();
    } else if (upper_.size() > lower_.size()) {
      lower_.push(upper_.top());
      upper_.pop();
    }
  }

  [[nodiscard]] bool empty() const noexcept { return lower_.empty(); }

  // 0 when empty.
  [[nodiscard]] double median() const {
    if (lower_.empty()) return 0.0;
    if (lower_.size() > upper_.size()) return lower_.top();
    return (lower_.top() + upper_.top()) / 2.0;
  }

 private:
  std::priority_queue<double> lower_;                                       // max-heap
  std::priority_queue<double, std::vector<double>, std::greater<>> upper_;  // min-heap
};

}  // namespace pipeline::detail
