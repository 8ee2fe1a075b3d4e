# Install the already-built punctum into PREFIX, then configure, build and run a downstream
# project against it (find_package(punctum), punctum::punctum): the C++ example a user copies.
# Variables: PUNCTUM_BUILD_DIR, PREFIX, EXAMPLE_SRC, EXAMPLE_BUILD, GENERATOR, EXECUTABLE and
# EXPECT (a regular expression the program's output must match).
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${PUNCTUM_BUILD_DIR} --prefix ${PREFIX})
run(${CMAKE_COMMAND} -S ${EXAMPLE_SRC} -B ${EXAMPLE_BUILD} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${EXAMPLE_BUILD})
execute_process(COMMAND ${EXAMPLE_BUILD}/${EXECUTABLE} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message(STATUS "${EXECUTABLE}:\n${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXECUTABLE} exited with ${rc}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${EXECUTABLE}: output does not match '${EXPECT}'")
endif()
