#pragma once
// Umbrella header of the mmgraph library.
#include "mmgraph/atomic_file.h"
#include "mmgraph/blas.h"
#include "mmgraph/build_info.h"
#include "mmgraph/checkpoint.h"
#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/memory_plan.h"
#include "mmgraph/metrics.h"
#include "mmgraph/recommend.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
