# Every dependency comes from Debian 12 packages (see scripts/install-deps.sh).
# The same calls are repeated by pipelineConfig.cmake for consumers of the installed package.
find_package(PkgConfig REQUIRED)
# A prefixed name so the imported target cannot clash with a consumer's own pkg-config lookups.
pkg_check_modules(pipeline_VIPS REQUIRED IMPORTED_TARGET vips-cpp>=8.10)
# PNG encoding (image_io.cpp); Debian's libdeflate-dev, which libvips-dev already depends on (through libtiff-dev).
pkg_check_modules(pipeline_DEFLATE REQUIRED IMPORTED_TARGET libdeflate>=1.0)
# 1.80 is where Boost.Process v2 appeared; Debian 12's libboost1.81-dev provides it.
find_package(Boost 1.80 REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(Threads REQUIRED)
# Downloading datasets (fetch.hpp); Debian's libcurl4-openssl-dev (7.88).
find_package(CURL 7.84 REQUIRED)

# The mpi component (pipeline::mpi) on Debian's Open MPI (libopenmpi-dev): the MPI C API called from C++, so
# neither the deprecated MPI C++ bindings (MPI_CXX_SKIP_MPICXX) nor Boost.MPI are needed. Optional: the core library
# never requires MPI.
if(NOT DEFINED PIPELINE_WITH_MPI OR PIPELINE_WITH_MPI)
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI COMPONENTS CXX QUIET)
endif()
