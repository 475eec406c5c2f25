include(CMakePackageConfigHelpers)

set(PIPELINE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/pipeline")

install(TARGETS pipeline EXPORT pipelineTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT pipelineTargets
  NAMESPACE pipeline::
  DESTINATION ${PIPELINE_CMAKE_DIR})

# Which dependencies a consumer must find depends on it (pipelineConfig.cmake.in).
get_target_property(pipeline_library_type pipeline TYPE)
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/pipelineConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/pipelineConfig.cmake"
  INSTALL_DESTINATION ${PIPELINE_CMAKE_DIR})
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/pipelineConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
# The mpi component in a file of its own, which the package config includes when asked for COMPONENTS mpi.
if(PIPELINE_WITH_MPI)
  install(TARGETS pipeline_mpi EXPORT pipelineMpiTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT pipelineMpiTargets
    NAMESPACE pipeline::
    FILE pipelineMpiTargets.cmake
    DESTINATION ${PIPELINE_CMAKE_DIR})
endif()

install(FILES
  "${PROJECT_BINARY_DIR}/pipelineConfig.cmake"
  "${PROJECT_BINARY_DIR}/pipelineConfigVersion.cmake"
  DESTINATION ${PIPELINE_CMAKE_DIR})

install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pipeline)
