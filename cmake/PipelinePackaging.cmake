# `cpack -G DEB` in a build tree: an image-pipeline .deb of exactly what `cmake --install` installs (the CLI, its
# worker, the library, headers, CMake package and whatever else the install rules add); no file is listed here.
# Tested by tests/package/deb_test.sh.

set(CPACK_PACKAGE_NAME image-pipeline)
set(CPACK_PACKAGE_VENDOR "The image-pipeline authors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "image-pipeline runs a batch of images through a filter chain (grayscale, Gaussian blur, Sobel, sharpen,
brightness) sequentially, on a pool of threads and on a pool of worker processes, checks that every paradigm
produced pixel-identical outputs, and reports speedup, efficiency and what each run used.
It also processes a folder (image-pipeline run IN OUT) and downloads a dataset (image-pipeline fetch).
The package holds the C++ library too, pipeline::pipeline, for find_package(pipeline).")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
# The identity the project's commits are made under; a distributor sets their own.
set(PIPELINE_PACKAGE_MAINTAINER "The image-pipeline authors <maintainers@users.noreply.r-seed-0c7f0e79.example>"
    CACHE STRING "Maintainer field of the .deb")

set(CPACK_DEBIAN_PACKAGE_NAME image-pipeline)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # image-pipeline_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PIPELINE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian installs under /usr (the default install prefix, /usr/local, is the administrator's).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian's packages ship stripped programs; the build tree keeps its debug information.
set(CPACK_STRIP_FILES ON)

# Depends: the shared libraries the programs load, with their versions, as dpkg-shlibdeps finds them (libvips,
# libcurl, Open MPI, libstdc++, ...). That is everything the CLI and its worker need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Recommends, not Depends: what a consumer of the CMake package needs at build time, the -dev packages that
# pipelineConfig.cmake's find_dependency() and pkg_check_modules() look for (the library is static, so its
# dependencies' headers and link libraries). Depends would pull hundreds of megabytes of headers and further -dev
# packages (Boost's headers alone are 150 MB; libvips-dev brings ImageMagick's, GLib's, ...) into every
# installation of the CLI, which never uses them; apt installs Recommends by default, so
# `apt install ./image-pipeline_*.deb` still gives a working find_package(pipeline), and
# --no-install-recommends gives the CLI alone.
set(pipeline_consumer_packages
    pkgconf libvips-dev libdeflate-dev libboost1.81-dev libspdlog-dev nlohmann-json3-dev libcurl4-openssl-dev)
if(PIPELINE_WITH_MPI)
  list(APPEND pipeline_consumer_packages libopenmpi-dev)  # find_package(pipeline COMPONENTS mpi)
endif()
list(JOIN pipeline_consumer_packages ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)

# Read by cpack itself: refuses to build a .deb without dpkg-shlibdeps instead of declaring no library at all.
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_SOURCE_DIR}/cmake/PipelineCPackChecks.cmake")

include(CPack)
