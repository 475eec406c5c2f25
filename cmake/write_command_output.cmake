# Runs a program and writes what it prints to a file, failing on a non-zero exit: for build steps that generate a
# file from a built program (apps/CMakeLists.txt: the CLI's completions and man page), without a shell's '>'.
#   cmake -DOUTPUT=file -P write_command_output.cmake -- program arguments...
set(command)
set(after_separator OFF)
math(EXPR last_argument "${CMAKE_ARGC} - 1")
foreach(index RANGE ${last_argument})
  if(after_separator)
    list(APPEND command "${CMAKE_ARGV${index}}")
  elseif("${CMAKE_ARGV${index}}" STREQUAL "--")
    set(after_separator ON)
  endif()
endforeach()
execute_process(COMMAND ${command} OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "${command} failed: ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
