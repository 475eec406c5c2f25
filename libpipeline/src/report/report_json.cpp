// The JSON report. Field names are a contract (README, "JSON report"): add, never rename.
#include <cmath>

#include <nlohmann/json.hpp>

#include "pipeline/analysis.hpp"
#include "pipeline/report.hpp"

namespace pipeline {
namespace {

using nlohmann::json;

// JSON has no NaN: an undefined figure (e.g. a speedup over a zero time) is null.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json task_json(const TaskRecord& record) {
  json stages = json::array();
  for (const auto& stage : record.stages) {
    stages.push_back({{"name", stage.name}, {"start_s", stage.start_s}, {"end_s", stage.end_s}});
  }
  return {{"image", record.image},
          {"worker", record.worker},
          {"host", record.host},
          {"pid", record.pid},
          {"tid", record.tid},
          {"cpu_start", record.cpu_start},
          {"cpu_end", record.cpu_end},
          {"start_s", record.start_s},
          {"end_s", record.end_s},
          {"bytes_sent", record.bytes_sent},
          {"bytes_received", record.bytes_received},
          {"transfer_s", record.transfer_s},
          {"pixels", record.pixels},
          {"stages", std::move(stages)},
          {"error", record.ok() ? json(nullptr) : json(record.error)}};
}

json run_json(const ComparisonRun& run, const RunAnalysis& analysis, bool compared_with_sequential) {
  json tasks = json::array();
  for (const auto& task : run.batch.tasks) tasks.push_back(task_json(task.record));
  json stages = json::array();
  for (const auto& total : analysis.stages) {
    stages.push_back({{"name", total.name},
                      {"seconds", total.seconds},
                      {"share", total.share},
                      {"ms_per_megapixel", total.ms_per_megapixel}});
  }
  const WallTimeSplit& split = analysis.wall_time;
  return {{"executor", run.batch.executor},
          {"workers", run.batch.workers},
          {"transport", run.batch.transport.empty() ? json(nullptr) : json(run.batch.transport)},
          {"seconds", run.seconds.median},
          {"seconds_min", run.seconds.min},
          {"seconds_max", run.seconds.max},
          {"repeat_seconds", run.repeat_seconds},
          {"startup_s", run.startup_s},
          {"speedup", number(run.speedup)},
          {"efficiency", number(run.efficiency)},
          {"karp_flatt", number(analysis.karp_flatt)},
          // null: there was no sequential run to compare with (comparison_of() without one).
          {"identical_to_sequential", compared_with_sequential ? json(run.identical_to_sequential) : json(nullptr)},
          {"mismatched_images", run.mismatched_images},
          {"failed_tasks", run.batch.failure_count()},
          {"observed",
           {{"processes", run.observed.processes},
            {"threads", run.observed.threads},
            {"cores", run.observed.cores},
            {"hosts", run.observed.hosts}}},
          {"stage_totals", std::move(stages)},
          {"wall_time_split",
           {{"before_first", split.before_first},
            {"filtering", split.filtering},
            {"between", split.between},
            {"after_last", split.after_last}}},
          {"tasks", std::move(tasks)}};
}

const char* amdahl_kind_name(AmdahlFit::Kind kind) {
  switch (kind) {
    case AmdahlFit::Kind::fitted: return "fitted";
    case AmdahlFit::Kind::single_point: return "single_point";
    case AmdahlFit::Kind::superlinear: return "superlinear";
    case AmdahlFit::Kind::no_speedup: return "no_speedup";
  }
  return "unknown";
}

json verdict_json(const Comparison& comparison, const Verdict& verdict) {
  const auto configuration = [&comparison](std::size_t r) {
    return json{{"executor", comparison.runs[r].batch.executor}, {"workers", comparison.runs[r].batch.workers}};
  };
  json fastest = json::array();
  for (const std::size_t r : verdict.fastest) fastest.push_back(configuration(r));
  const char* kind = "nothing_to_compare";
  switch (verdict.kind) {
    case Verdict::Kind::winner: kind = "winner"; break;
    case Verdict::Kind::indistinguishable: kind = "indistinguishable"; break;
    case Verdict::Kind::spread_unknown: kind = "spread_unknown"; break;
    case Verdict::Kind::nothing_to_compare: break;
  }
  return {{"kind", kind},
          {"sentence", verdict.sentence},
          {"fastest", std::move(fastest)},
          {"speedup", number(verdict.speedup)},
          {"spread", number(verdict.spread)},
          {"runner_up", verdict.runner_up ? configuration(*verdict.runner_up) : json(nullptr)},
          {"runner_up_slower", number(verdict.runner_up_slower)}};
}

json analysis_json(const ComparisonAnalysis& analysis) {
  json amdahl = json::array();
  for (const auto& fit : analysis.fits) {
    // The text reports' judgement as fields: null where they predict nothing (kind says why).
    amdahl.push_back({{"executor", fit.executor},
                      {"kind", amdahl_kind_name(fit.kind)},
                      {"parallel_fraction", fit.parallel_fraction},
                      {"least_squares_p", fit.least_squares_p},
                      {"max_speedup", number(fit.max_speedup)},
                      {"points", fit.points},
                      {"largest_workers", fit.largest_workers},
                      {"predicted_at_2x_workers", number(fit.predicted_at_2x)},
                      {"predicted_at_4x_workers", number(fit.predicted_at_4x)},
                      {"machine_cap", number(fit.machine_cap)},
                      {"summary", describe_fit(fit)}});
  }
  json transfer = json::array();
  for (const auto& cost : analysis.transfer) {
    transfer.push_back({{"executor", cost.executor},
                        {"workers", cost.workers},
                        {"transfer_share", cost.transfer_share},
                        {"bytes_per_image", cost.bytes_per_image},
                        {"megabytes_per_second", cost.megabytes_per_second}});
  }
  return {{"amdahl", std::move(amdahl)},
          {"process_transfer", std::move(transfer)},
          {"observations", analysis.observations}};
}

}  // namespace

std::string comparison_json(const Comparison& comparison, const RunConditions& conditions) {
  return comparison_json(comparison, conditions, analyse(comparison, conditions.machine.logical_cpus));
}

std::string comparison_json(const Comparison& comparison, const RunConditions& conditions,
                            const ComparisonAnalysis& analysis) {
  const MachineInfo& machine = conditions.machine;
  json runs = json::array();
  for (std::size_t r = 0; r < comparison.runs.size(); ++r)
    runs.push_back(run_json(comparison.runs[r], analysis.runs[r], comparison.has_baseline()));
  const json report = {
      {"schema", "image-pipeline/report/1"},
      {"verdict", verdict_json(comparison, analysis.verdict)},
      {"machine",
       {{"hostname", machine.hostname},
        {"os", machine.os},
        {"cpu_model", machine.cpu_model},
        {"logical_cpus", machine.logical_cpus},
        {"libvips_version", machine.libvips_version},
        {"compiler", machine.compiler},
        {"kernels", machine.kernels}}},
      {"vips",
       {{"concurrency", conditions.vips.concurrency}, {"cache_max_operations", conditions.vips.cache_max_operations}}},
      {"dataset",
       {{"source", conditions.dataset.source},
        {"images", conditions.dataset.images},
        {"megapixels", conditions.dataset.megapixels}}},
      {"filters", conditions.filters},
      {"warmup", comparison.warmup},
      {"repeats", comparison.repeats},
      {"profile_stages", comparison.profile_stages},
      {"method", analysis.method},
      {"separate_runs", comparison.separate_runs},
      {"all_identical_to_sequential", comparison.has_baseline() ? json(comparison.all_identical()) : json(nullptr)},
      {"runs", std::move(runs)},
      {"analysis", analysis_json(analysis)}};
  return report.dump(2) + "\n";
}

}  // namespace pipeline
