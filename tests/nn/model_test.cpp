#include <catch2/catch.hpp>

#include <cmath>

#include "causalattn/core/random.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/nn/training.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Matrix;
using Catch::Matchers::Contains;

namespace {
ca::EncoderOptions small_options() {
  ca::EncoderOptions options;
  options.width = 8;
  options.hidden = 16;
  options.layers = 2;
  options.attention.heads = 2;
  return options;
}
}  // namespace

TEMPLATE_TEST_CASE("an encoder without positions is permutation equivariant", "[nn]", float, double) {
  ca::Rng rng(4);
  ca::Encoder<TestType> encoder(small_options(), rng);
  const Index n = 9;
  const Matrix<TestType> x = ca::normal_matrix<TestType>(n, 8, rng);
  std::vector<Index> order(n);
  for (Index i = 0; i < n; ++i) order[std::size_t(i)] = i;
  rng.shuffle(order.begin(), order.end());
  Matrix<TestType> permuted(n, 8);
  for (Index i = 0; i < n; ++i) permuted.row(i) = x.row(order[std::size_t(i)]);
  const auto layout = ca::SequenceLayout::single(n);
  const Matrix<TestType> y = encoder.forward(x, layout);
  const Matrix<TestType> y_permuted = encoder.forward(permuted, layout);
  for (Index i = 0; i < n; ++i) {
    REQUIRE((y_permuted.row(i) - y.row(order[std::size_t(i)])).cwiseAbs().maxCoeff() <= ca::test_precision<TestType>());
  }
}

TEST_CASE("a batch equals its sequences run one by one, for any thread count", "[nn]") {
  ca::Rng rng(5);
  auto options = small_options();
  options.attention.causal = true;
  ca::Encoder<double> encoder(options, rng);
  const auto layout = ca::SequenceLayout::from_lengths({3, 7, 1, 5});
  const Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 8, rng);
  const Matrix<double> batched = encoder.forward(x, layout);
  for (Index b = 0; b < layout.count(); ++b) {
    const Matrix<double> alone =
        encoder.forward(x.middleRows(layout.offset(b), layout.length(b)), ca::SequenceLayout::single(layout.length(b)));
    REQUIRE((alone - batched.middleRows(layout.offset(b), layout.length(b))).cwiseAbs().maxCoeff() < 1e-12);
  }
  options.attention.threads = 1;
  ca::Rng same(5);
  ca::Encoder<double> serial(options, same);
  REQUIRE(serial.forward(x, layout) == batched);
}

TEST_CASE("layers reject bad shapes and options", "[nn]") {
  ca::Rng rng(6);
  ca::EncoderOptions options = small_options();
  options.attention.heads = 3;
  REQUIRE_THROWS_WITH(ca::Encoder<double>(options, rng), Contains("options.heads") && Contains("divide the width 8"));
  options = small_options();
  options.layers = 0;
  REQUIRE_THROWS_WITH(ca::Encoder<double>(options, rng), Contains("options.layers"));
  ca::Encoder<double> encoder(small_options(), rng);
  REQUIRE_THROWS_WITH(encoder.forward(Matrix<double>::Zero(5, 8), ca::SequenceLayout::single(4)),
                      Contains("x: has 5 rows but the sequence layout holds 4 tokens"));
  REQUIRE_THROWS_WITH(encoder.forward(Matrix<double>::Zero(4, 7), ca::SequenceLayout::single(4)), Contains("expected any x 8"));
  REQUIRE_THROWS_WITH(ca::SequenceLayout::from_lengths({3, 0}), Contains("sequence 1 has length 0"));
  ca::Linear<double> linear(3, 2, rng);
  REQUIRE_THROWS_WITH(linear.forward(Matrix<double>::Zero(2, 4)), Contains("expected any x 3"));
  ca::ParameterRegistry<double> params;
  linear.register_parameters(params, "fc");
  REQUIRE_THROWS_WITH(linear.register_parameters(params, "fc"), Contains("'fc.weight' is registered twice"));
}

TEST_CASE("AdamW: one step by hand, weight decay, clipping, schedules", "[nn][optimizer]") {
  ca::Parameter<double> p = ca::Parameter<double>::zeros(1, 2);
  p.value << 1.0, -2.0;
  p.grad << 0.5, -0.25;
  ca::ParameterRegistry<double> params;
  params.add("p", p);
  ca::AdamWOptions options;
  options.learning_rate = 0.1;
  options.weight_decay = 0.01;
  ca::AdamW<double> adam(params, options);
  adam.step();
  // First step: m_hat = g, v_hat = g^2, so the update is lr * g / (|g| + eps), after the decay.
  REQUIRE(p.value(0) == Approx(1.0 * (1 - 0.1 * 0.01) - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));
  REQUIRE(p.value(1) == Approx(-2.0 * (1 - 0.1 * 0.01) + 0.1 * 0.25 / (0.25 + 1e-8)).epsilon(1e-12));
  p.grad << 3.0, 4.0;
  REQUIRE(ca::clip_gradient_norm(params, 1.0) == Approx(5.0));
  REQUIRE(p.grad.norm() == Approx(1.0));
  p.grad(0) = std::nan("");
  REQUIRE_THROWS_AS(ca::clip_gradient_norm(params, 1.0), ca::numerical_error);
  REQUIRE_THROWS_WITH(adam.step(), Contains("gradient of 'p' is not finite"));
  options.beta2 = 1.0;
  REQUIRE_THROWS_WITH(ca::AdamW<double>(params, options), Contains("options.beta2"));
  ca::LearningRateSchedule schedule{1.0, 10, 110, ca::LearningRateSchedule::Decay::cosine, 0.0};
  REQUIRE(schedule.at(0) == Approx(0.1));
  REQUIRE(schedule.at(9) == Approx(1.0));
  REQUIRE(schedule.at(60) == Approx(0.5));
  REQUIRE(schedule.at(110) == Approx(0.0).margin(1e-12));
  schedule.decay = ca::LearningRateSchedule::Decay::linear;
  REQUIRE(schedule.at(35) == Approx(0.75));
}

TEST_CASE("a one-layer encoder learns a content-addressed copy task to near-zero loss", "[nn][training]") {
  // Each sequence holds 6 tokens (value, marker); exactly one token is marked. Every output must be
  // the value of the marked token, which only attention can route. Seed fixed and printed.
  const std::uint64_t seed = 2026;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const Index batch = 32, length = 6, width = 16;
  ca::EncoderOptions options;
  options.width = width;
  options.hidden = 32;
  options.layers = 1;
  options.attention.heads = 2;
  options.attention.threads = 1;
  ca::Linear<double> embed(2, width, rng), head(width, 1, rng);
  ca::Encoder<double> encoder(options, rng);
  ca::ParameterRegistry<double> params;
  embed.register_parameters(params, "embed");
  encoder.register_parameters(params, "encoder");
  head.register_parameters(params, "head");
  ca::AdamWOptions adam_options;
  adam_options.learning_rate = 3e-3;
  ca::AdamW<double> adam(params, adam_options);
  const auto layout = ca::SequenceLayout::uniform(batch, length);
  ca::Rng data(seed + 1);
  auto make_batch = [&](Matrix<double>& x, Matrix<double>& y) {
    x.setZero(batch * length, 2);
    y.resize(batch * length, 1);
    for (Index b = 0; b < batch; ++b) {
      const auto marked = static_cast<Index>(data.uniform_int(std::uint64_t(length)));
      for (Index t = 0; t < length; ++t) x(b * length + t, 0) = data.normal();
      x(b * length + marked, 1) = 1.0;
      y.middleRows(b * length, length).setConstant(x(b * length + marked, 0));
    }
  };
  double first_loss = 0;
  ca::TrainingOptions training;
  training.epochs = 1500;
  training.target_loss = 2e-3;
  const auto report = ca::train(
      [&](long long) {
        Matrix<double> x, y;
        make_batch(x, y);
        const Matrix<double> prediction = head.forward(encoder.forward(embed.forward(x), layout));
        const Matrix<double> error = prediction - y;
        const double loss = error.squaredNorm() / double(error.rows());
        params.zero_grad();
        embed.backward(encoder.backward(head.backward(2.0 * error / double(error.rows()))));
        ca::clip_gradient_norm(params, 1.0);
        adam.step();
        if (first_loss == 0) first_loss = loss;
        return loss;
      },
      training);
  INFO("epochs " << report.epochs << ", final loss " << report.losses.back() << ", first " << first_loss);
  REQUIRE(report.status == ca::TrainingStatus::converged);
  REQUIRE(report.losses.back() < 2e-3 * first_loss + 2e-3);
}

TEST_CASE("train reports progress and stops on target, request or divergence", "[nn][training]") {
  std::vector<long long> seen;
  ca::TrainingOptions options;
  options.epochs = 10;
  options.progress = [&](const ca::TrainingProgress& p) {
    seen.push_back(p.epoch);
    REQUIRE(p.seconds >= 0);
    return p.epoch < 5;
  };
  auto report = ca::train([](long long epoch) { return 1.0 / double(epoch + 1); }, options);
  REQUIRE(report.status == ca::TrainingStatus::stopped);
  REQUIRE(report.epochs == 6);
  REQUIRE(seen == std::vector<long long>{0, 1, 2, 3, 4, 5});
  options.progress = nullptr;
  options.target_loss = 0.25;
  report = ca::train([](long long epoch) { return 1.0 / double(epoch + 1); }, options);
  REQUIRE(report.status == ca::TrainingStatus::converged);
  REQUIRE(report.losses.size() == 4);
  report = ca::train([](long long epoch) { return epoch == 2 ? std::nan("") : 1.0; }, options);
  REQUIRE(report.status == ca::TrainingStatus::diverged);
  REQUIRE(report.epochs == 3);
  options.target_loss = -1;
  REQUIRE(ca::train([](long long) { return 1.0; }, options).status == ca::TrainingStatus::completed);
  options.epochs = 0;
  REQUIRE_THROWS_WITH(ca::train([](long long) { return 1.0; }, options), Contains("options.epochs"));
}
