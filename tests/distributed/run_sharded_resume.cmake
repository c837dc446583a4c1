# cmake -P script: a run of MODEL interrupted after 5 of 10 epochs and resumed from its
# checkpoint with another number of processes (FIRST, then THEN; 1 = one process, else under
# MPIRUN, a ;-list ending with the process-count flag) must end with the uninterrupted
# single-process run's losses and representations, bit for bit (PROGRAM's --compare mode).
# ARGS: config overrides for every run (a ;-list).
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
function(run p out)
  if(p EQUAL 1)
    set(launch "")
  else()
    set(launch ${MPIRUN} ${p})
  endif()
  execute_process(COMMAND ${launch} ${PROGRAM} ${MODEL} ${DIR}/${out} ${ARGS} ${ARGN} TIMEOUT 300 RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MODEL} over ${p} processes (${out} ${ARGN}) failed (${rc})")
  endif()
endfunction()
# Every epoch evaluated, as the interrupted run evaluates its last.
run(1 reference eval_step=1)
run(${FIRST} first eval_step=1 epochs=5 --checkpoint-dir=${DIR}/checkpoints)
run(${THEN} resumed eval_step=1 --checkpoint-dir=${DIR}/checkpoints --resume)
execute_process(COMMAND ${PROGRAM} --compare ${DIR}/reference ${DIR}/resumed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${MODEL}: 5 epochs over ${FIRST} processes resumed over ${THEN} differ from one uninterrupted process")
endif()
