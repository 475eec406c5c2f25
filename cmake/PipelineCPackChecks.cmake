# CPACK_PROJECT_CONFIG_FILE (cmake/PipelinePackaging.cmake): run by cpack for each generator.
# Without dpkg-shlibdeps CPack's DEB generator only prints a note and writes a .deb that declares none of the
# libraries its programs load; such a package installs, then fails to run. Better not to write it.
if(CPACK_GENERATOR STREQUAL "DEB")
  find_program(pipeline_dpkg_shlibdeps dpkg-shlibdeps)
  if(NOT pipeline_dpkg_shlibdeps)
    message(FATAL_ERROR "cpack -G DEB needs dpkg-shlibdeps to declare the package's dependencies: "
                        "apt install dpkg-dev file (scripts/install-deps.sh --test installs them)")
  endif()
endif()
