# cmake -P script: trains MODEL with PROGRAM (sharded_train_main.cpp) as one process, then under
# mpirun (MPIRUN, a ;-list: the command and its flags up to the process-count flag) with each
# process count in COUNTS, in DIR, and fails unless every run's losses and representations are
# the single-process run's bits and its metrics agree (the program's --compare mode). ARGS (a
# ;-list): config overrides for every run. TOLERANCE (optional): compare within it instead (the
# program's --compare-within mode) for a model whose sums over processes are not one process's.
file(MAKE_DIRECTORY ${DIR})
execute_process(COMMAND ${PROGRAM} ${MODEL} ${DIR}/${MODEL}-p1 ${ARGS} TIMEOUT 300 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the single-process run of ${MODEL} failed (${rc})")
endif()
foreach(p ${COUNTS})
  execute_process(COMMAND ${MPIRUN} ${p} ${PROGRAM} ${MODEL} ${DIR}/${MODEL}-p${p} ${ARGS} TIMEOUT 300 RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the run of ${MODEL} over ${p} processes failed (${rc})")
  endif()
  if(TOLERANCE)
    execute_process(COMMAND ${PROGRAM} --compare-within ${TOLERANCE} ${DIR}/${MODEL}-p1 ${DIR}/${MODEL}-p${p}
                    RESULT_VARIABLE rc)
  else()
    execute_process(COMMAND ${PROGRAM} --compare ${DIR}/${MODEL}-p1 ${DIR}/${MODEL}-p${p} RESULT_VARIABLE rc)
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MODEL} over ${p} processes differs from one process")
  endif()
endforeach()
