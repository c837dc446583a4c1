# cmake -P script: runs comm_fault_main under mpirun (MPIRUN, a ;-list: the command and its
# flags before the program) in MODE with a collective timeout of 5 s, and fails unless the job
# ends with a non-zero code within 60 s and its output matches EXPECT.
string(TIMESTAMP start "%s")
execute_process(COMMAND ${MPIRUN} ${PROGRAM} ${MODE} 5
  TIMEOUT 60 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message("mpirun ended with '${rc}' after ${seconds} s\n${out}\n${err}")
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the job did not end by itself within 60 s (${rc})")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "the job ended with code 0 although rank 1 failed")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
