#pragma once
// Everything of the library in one include, by concept, in the order data flows (docs/ARCHITECTURE.md). Each
// header's implementation is in libpipeline/src/, in the folder named beside its group.

// Images and filters (src/: image, filter, filters, filter_registry; the kernels in src/kernels/).
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/filters.hpp"
#include "pipeline/image.hpp"

// Images in and out of files, datasets, folder runs (src/io/); downloading a dataset (fetch.hpp, src/fetch/).
#include "pipeline/dataset.hpp"
#include "pipeline/fetch.hpp"
#include "pipeline/file_failure.hpp"
#include "pipeline/file_job.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/output_folder.hpp"
#include "pipeline/output_format.hpp"

// Tasks, their records and the one clock; executors and the paradigms they stand for (src/, src/executors/).
#include "pipeline/executor.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/paradigm.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/task.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "pipeline/timing.hpp"
#include "pipeline/worker_count.hpp"

// The process pool and its workers (src/process_pool/).
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/process_pool_options.hpp"
#include "pipeline/shared_image_memory.hpp"
#include "pipeline/worker.hpp"
#include "pipeline/worker_environment.hpp"
#include "pipeline/worker_program.hpp"

// Comparisons, their analysis, and the reports that state it (src/, src/report/).
#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/report.hpp"

// The machine, libvips, memory, the version (src/).
#include "pipeline/machine.hpp"
#include "pipeline/memory.hpp"
#include "pipeline/version.hpp"
#include "pipeline/vips.hpp"
