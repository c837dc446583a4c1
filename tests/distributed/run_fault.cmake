# cmake -P script: runs a fault test's PROGRAM (comm_fault_main, train_fault_main) under mpirun
# (MPIRUN, a ;-list: the command and its flags before the program) with the arguments ARGS (a
# ;-list), and fails unless the job ends with a non-zero code within SECONDS, its output matches
# every regular expression of EXPECT (a ;-list) and no rank printed a result ("trained N epochs").
string(TIMESTAMP start "%s")
execute_process(COMMAND ${MPIRUN} ${PROGRAM} ${ARGS}
  TIMEOUT ${SECONDS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message("mpirun ended with '${rc}' after ${seconds} s\n${out}\n${err}")
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the job did not end by itself within ${SECONDS} s (${rc})")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "the job ended with code 0 although a rank failed")
endif()
foreach(expect ${EXPECT})
  if(NOT "${out}${err}" MATCHES "${expect}")
    message(FATAL_ERROR "the output does not match '${expect}'")
  endif()
endforeach()
if("${out}${err}" MATCHES "rank [0-9]+ of [0-9]+: trained [0-9]+ epochs")
  message(FATAL_ERROR "a rank reported a result although the run failed")
endif()
