// The step every model shares: zeroed gradients, then the model's forward
// and backward pass (the trainer checks them and runs the Adam update).
#include "engine/src/model.h"

namespace mmgraph::detail {

void Model::compute_gradients(const TripleBatch& batch, double* loss_sum) {
  params_.zero_grad();
  forward_backward(batch, loss_sum);
}

}  // namespace mmgraph::detail
