# pipeline_set_warnings(target): the project's warning policy, applied to our own targets only
# (never forced on a consumer that add_subdirectory()s us).
function(pipeline_set_warnings target)
  if(NOT PIPELINE_MASTER_PROJECT)
    return()
  endif()
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(PIPELINE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
