#include <catch2/catch.hpp>

#include "causalattn/core/random.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/mesa_attention.hpp"
#include "finite_difference.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Matrix;

namespace {

// Every layer is checked through loss = sum(W o y) with fixed random weights W, so dloss/dy = W.
template <class Layer, class Forward>
void check_layer(const std::string& what, Layer& layer, Matrix<double>& x, const Matrix<double>& weights,
                 Forward forward) {
  ca::ParameterRegistry<double> params;
  layer.register_parameters(params, "layer");
  auto loss = [&] { return forward(layer, x).cwiseProduct(weights).sum(); };
  params.zero_grad();
  forward(layer, x);
  const Matrix<double> dx = layer.backward(weights);
  ca::test::check_gradient(what + " dx", x, dx, loss);
  for (const auto& e : params.entries()) {
    const Matrix<double> grad = e.parameter->grad;
    ca::test::check_gradient(what + " " + e.name, e.parameter->value, grad, loss);
  }
}

}  // namespace

TEST_CASE("Linear, LayerNorm, activations and MLP match finite differences", "[nn][gradient]") {
  ca::Rng rng(1);
  Matrix<double> x = ca::normal_matrix<double>(6, 5, rng);
  {
    ca::Linear<double> layer(5, 3, rng);
    check_layer("linear", layer, x, ca::normal_matrix<double>(6, 3, rng),
                [](auto& l, const Matrix<double>& in) { return l.forward(in); });
  }
  {
    ca::LayerNorm<double> layer(5);
    ca::ParameterRegistry<double> p;
    layer.register_parameters(p, "ln");
    p.at("ln.gamma").value = ca::normal_matrix<double>(1, 5, rng);  // non-trivial affine part
    p.at("ln.beta").value = ca::normal_matrix<double>(1, 5, rng);
    check_layer("layer norm", layer, x, ca::normal_matrix<double>(6, 5, rng),
                [](auto& l, const Matrix<double>& in) { return l.forward(in); });
  }
  for (auto kind : {ca::Activation::gelu, ca::Activation::relu}) {
    ca::Mlp<double> layer(5, 7, rng, kind);
    check_layer(kind == ca::Activation::gelu ? "mlp gelu" : "mlp relu", layer, x, ca::normal_matrix<double>(6, 5, rng),
                [](auto& l, const Matrix<double>& in) { return l.forward(in); });
  }
}

TEST_CASE("multi-head self-attention matches finite differences in every mode", "[nn][gradient]") {
  ca::Rng rng(2);
  const auto layout = ca::SequenceLayout::from_lengths({5, 3, 4});
  Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 6, rng);
  for (bool shared : {false, true}) {
    for (bool causal : {false, true}) {
      ca::SelfAttentionOptions options;
      options.heads = 2;
      options.share_query_key = shared;
      options.causal = causal;
      ca::MultiHeadSelfAttention<double> layer(6, options, rng);
      ca::KeyPaddingMask padding = ca::KeyPaddingMask::Zero(layout.tokens());
      padding(2) = padding(9) = true;
      check_layer("attention shared " + std::to_string(shared) + " causal " + std::to_string(causal), layer, x,
                  ca::normal_matrix<double>(layout.tokens(), 6, rng),
                  [&](auto& l, const Matrix<double>& in) { return l.forward(in, layout, padding); });
    }
  }
}

TEST_CASE("mesa attention matches finite differences, lambda included, with and without normalised q/k", "[nn][gradient][mesa]") {
  ca::Rng rng(4);
  const auto layout = ca::SequenceLayout::from_lengths({5, 3, 4});
  Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 6, rng);
  for (bool normalized : {false, true}) {
    ca::MesaAttentionOptions options;
    options.heads = 2;
    options.normalize_query_key = normalized;
    options.initial_lambda = 0.8;
    ca::MesaAttention<double> layer(6, options, rng);
    ca::KeyPaddingMask padding = ca::KeyPaddingMask::Zero(layout.tokens());
    padding(2) = padding(9) = true;
    check_layer("mesa normalised " + std::to_string(normalized), layer, x, ca::normal_matrix<double>(layout.tokens(), 6, rng),
                [&](auto& l, const Matrix<double>& in) { return l.forward(in, layout, padding); });
  }
}

TEST_CASE("encoder block and stack match finite differences", "[nn][gradient]") {
  ca::Rng rng(3);
  const auto layout = ca::SequenceLayout::from_lengths({4, 3});
  Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 4, rng);
  ca::EncoderOptions options;
  options.width = 4;
  options.hidden = 6;
  options.layers = 2;
  options.attention.heads = 2;
  options.attention.causal = true;
  ca::Encoder<double> encoder(options, rng);
  check_layer("encoder", encoder, x, ca::normal_matrix<double>(layout.tokens(), 4, rng),
              [&](auto& l, const Matrix<double>& in) { return l.forward(in, layout); });
}
