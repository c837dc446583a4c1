// The steps every model shares: zeroed gradients, the model's forward and
// backward pass, the Adam update.
#include "engine/src/model.h"

namespace mmgraph::detail {

void Model::compute_gradients(const TripleBatch& batch, double* loss_sum) {
  params_.zero_grad();
  forward_backward(batch, loss_sum);
}

void Model::train_step(const TripleBatch& batch, double* loss_sum, float learning_rate) {
  compute_gradients(batch, loss_sum);
  params_.adam_step(learning_rate, 0.0f);
}

}  // namespace mmgraph::detail
