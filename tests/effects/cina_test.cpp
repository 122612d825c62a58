#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/detail/balancing_loss.hpp"
#include "causalattn/effects/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// A confounded in-family data set of a few hundred units (seeded).
ca::SimulatedDataset confounded(std::uint64_t seed, Index n_max = 300) {
  ca::SimulationFamily family = ca::in_family();
  family.n_min = 200;
  family.n_max = n_max;
  return ca::simulate_dataset(family, seed);
}

/// The hinge primal (lambda/2) u' k u + sum [1 - W (o + b)]_+ recomputed from what the fit reports
/// (keys, values V, intercept) with the dense kernel: u = h . V, o = softmax(S) V.
double primal_objective(const ca::CinaFit& fit, const ca::Vector<double>& sign) {
  const ca::AttentionKernel k = ca::attention_kernel(fit.keys);
  const ca::Vector<double> u = (fit.values.array() * k.log_normaliser.array().exp()).matrix();
  const ca::Vector<double> o = k.softmax * fit.values;
  double hinge = 0;
  for (Index i = 0; i < sign.size(); ++i) hinge += std::max(0.0, 1 - sign(i) * (o(i) + fit.intercept));
  return fit.lambda / 2 * u.dot(k.kernel * u) + hinge;
}

/// Per-arm normalised copy of nonnegative weights.
ca::Vector<double> normalised_per_arm(ca::Vector<double> a, const ca::Vector<double>& sign) {
  double treated = 0, control = 0;
  for (Index i = 0; i < a.size(); ++i) (sign(i) > 0 ? treated : control) += a(i);
  for (Index i = 0; i < a.size(); ++i) a(i) /= sign(i) > 0 ? treated : control;
  return a;
}

double mmd(const ca::Matrix<double>& kernel, const ca::Vector<double>& weights, const ca::Vector<double>& sign) {
  const ca::Vector<double> c = weights.cwiseProduct(sign);
  return std::sqrt(c.dot(kernel * c));
}

}  // namespace

TEST_CASE("the balancing loss gradient matches central differences", "[effects][cina]") {
  const std::uint64_t seed = 7;
  std::printf("CInA loss gradient: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  const Index n = 11, d = 3;
  const ca::Matrix<double> keys = 1.5 * ca::normal_matrix<double>(n, d, rng);
  ca::Vector<double> sign(n), coef(n);
  for (Index i = 0; i < n; ++i) {
    sign(i) = i % 3 ? 1.0 : -1.0;
    coef(i) = sign(i) * rng.uniform(0, 1);
  }
  const double intercept = 0.1, lambda = 0.05, step = 1e-6;
  const auto loss = ca::detail::balancing_loss(keys, coef, intercept, sign, lambda, true);
  auto value = [&](const ca::Matrix<double>& k, const ca::Vector<double>& c, double b) {
    return ca::detail::balancing_loss(k, c, b, sign, lambda, false).value;
  };
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < d; ++j) {
      ca::Matrix<double> up = keys, down = keys;
      up(i, j) += step;
      down(i, j) -= step;
      CHECK(loss.d_keys(i, j) == Approx((value(up, coef, intercept) - value(down, coef, intercept)) / (2 * step)).margin(1e-6));
    }
    ca::Vector<double> up = coef, down = coef;
    up(i) += step;
    down(i) -= step;
    CHECK(loss.d_coef(i) == Approx((value(keys, up, intercept) - value(keys, down, intercept)) / (2 * step)).margin(1e-6));
  }
  CHECK(loss.d_intercept ==
        Approx((value(keys, coef, intercept + step) - value(keys, coef, intercept - step)) / (2 * step)).margin(1e-6));
  // The natural gradient is k^-1 lambda times the Euclidean one: k (natural) / lambda == d_coef.
  const ca::AttentionKernel k = ca::attention_kernel(keys);
  CHECK((k.kernel * loss.natural_d_coef / lambda - loss.d_coef).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("single-dataset CInA reaches the exact dual optimum of its learned kernel", "[effects][cina]") {
  for (ca::KeyMap map : {ca::KeyMap::linear, ca::KeyMap::mlp}) {
    const std::uint64_t seed = 101;
    std::printf("CInA vs SMO: data seed %llu, key map %s\n", static_cast<unsigned long long>(seed),
                map == ca::KeyMap::linear ? "linear" : "mlp");
    const ca::SimulatedDataset ds = confounded(seed);
    const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
    ca::EffectOptions options;
    options.cina.key_map = map;
    const ca::CinaFit fit = ca::cina_fit(data, options);
    const ca::Vector<double> sign = (2 * ds.t.array() - 1).matrix();

    // The reported objective is the hinge primal of the reported keys / values / intercept.
    const double objective = primal_objective(fit, sign);
    CHECK(fit.objective == Approx(objective).epsilon(1e-9));
    CHECK(fit.loss_curve.size() == std::size_t(options.cina.epochs + options.cina.settle_epochs));
    CHECK(fit.loss_curve.back() < fit.loss_curve.front());

    // Exact optimum on the same kernel: P* = 1'a - a'Qa / (2 lambda) (strong duality).
    ca::SmoOptions tight;
    tight.tolerance = 1e-14;  // on the raw kernel scale (entries ~1 / n^2): about 1e-9 relative
    const auto exact = ca::attention_svm_duality(fit.keys, sign, fit.lambda, tight);
    REQUIRE(exact.converged);
    const ca::AttentionKernel k = ca::attention_kernel(fit.keys);
    const ca::Vector<double> signed_alpha = exact.alpha.cwiseProduct(sign);
    const double optimum = exact.alpha.sum() - signed_alpha.dot(k.kernel * signed_alpha) / (2 * fit.lambda);
    INFO("objective " << objective << ", exact optimum " << optimum);
    CHECK(objective >= optimum * (1 - 1e-9));  // weak duality: no primal point is below the optimum
    CHECK(objective <= 1.02 * optimum);
    std::printf("  objective / exact optimum = %.5f\n", objective / optimum);

    // Balance of the projected weights within 25% of the exact solution's, and far better than none.
    const double smo_mmd = mmd(k.kernel, normalised_per_arm(exact.alpha, sign), sign);
    const ca::Vector<double> uniform = normalised_per_arm(ca::Vector<double>::Ones(sign.size()), sign);
    INFO("MMD: CInA " << fit.balance_mmd << ", SMO " << smo_mmd << ", uniform " << mmd(k.kernel, uniform, sign));
    CHECK(fit.balance_mmd == Approx(mmd(k.kernel, fit.estimate.weights, sign)).epsilon(1e-12));
    CHECK(fit.balance_mmd <= 1.25 * smo_mmd);
    std::printf("  MMD / SMO's MMD = %.5f; ATE %.4f +- %.4f, truth %.4f\n", fit.balance_mmd / smo_mmd, fit.estimate.estimate,
                fit.estimate.std_error, ds.ate);
    CHECK(fit.balance_mmd < 0.8 * mmd(k.kernel, uniform, sign));

    // The projection: nonnegative weights summing to 1 per arm; clipped counts the negative read-offs.
    CHECK(fit.estimate.weights.minCoeff() >= 0);
    CHECK(normalised_per_arm(fit.estimate.weights, sign).isApprox(fit.estimate.weights, 1e-12));
    CHECK(fit.clipped == (fit.raw_weights.array() < 0).count());
    // Read-off alpha = lambda h . W . V.
    const ca::Vector<double> read_off = fit.lambda * (k.log_normaliser.array().exp() * sign.array() * fit.values.array()).matrix();
    CHECK((read_off - fit.raw_weights).cwiseAbs().maxCoeff() < 1e-9);

    // The estimate: within 3 standard errors of the true ATE, and far from the confounded naive one.
    INFO("ATE " << fit.estimate.estimate << " +- " << fit.estimate.std_error << ", truth " << ds.ate);
    CHECK(std::abs(fit.estimate.estimate - ds.ate) < 3 * fit.estimate.std_error);
    CHECK(fit.estimate.method == "cina");

    // Refinement: the exact SMO weights on the learned kernel, so the balance equals the optimum's.
    options.cina.refine = true;
    options.smo.tolerance = 1e-10;
    const ca::CinaFit refined = ca::cina_fit(data, options);
    CHECK(refined.balance_mmd == Approx(smo_mmd).epsilon(1e-6));
    CHECK(std::abs(refined.estimate.estimate - ds.ate) < 3 * refined.estimate.std_error);
  }
}

TEST_CASE("CInA: float and double data agree, the seed fixes the result, ATT weights the treated uniformly", "[effects][cina]") {
  const ca::SimulatedDataset ds = confounded(202, 220);
  std::printf("CInA float/double/ATT: data seed 202\n");
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  const ca::Matrix<float> xf = ds.x.cast<float>();
  const ca::Vector<float> tf = ds.t.cast<float>(), yf = ds.y.cast<float>();
  const ca::TreatmentData<float> data_float(xf, tf, yf);
  ca::EffectOptions options;
  options.cina.epochs = 150;
  options.cina.settle_epochs = 150;
  const auto a = ca::cina(data, options), b = ca::cina(data, options);
  CHECK(a.estimate == b.estimate);  // deterministic for a seed
  // Float input is rounded to float (relative 6e-8); training amplifies that, so allow 1e-3 of the SE.
  CHECK(ca::cina(data_float, options).estimate == Approx(a.estimate).margin(1e-3 * a.std_error));
  options.cina.seed = 99;
  options.cina.key_map = ca::KeyMap::mlp;  // a random initialisation, which the seed changes
  const double mlp_seed_99 = ca::cina(data, options).estimate;
  options.cina.seed = 100;
  CHECK(ca::cina(data, options).estimate != mlp_seed_99);

  options.estimand = ca::Estimand::att;
  const auto att = ca::cina(data, options);
  CHECK(att.estimand == ca::Estimand::att);
  for (Index i = 0; i < ds.t.size(); ++i)
    if (ds.t(i) == 1) CHECK(att.weights(i) == Approx(1.0 / double(data.treated())));
  CHECK(std::abs(att.estimate - ds.att) < 3 * att.std_error);
}

TEST_CASE("CInA rejects bad options by name", "[effects][cina]") {
  const ca::SimulatedDataset ds = confounded(303, 200);
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  auto with = [](auto change) {
    ca::EffectOptions o;
    change(o.cina);
    return o;
  };
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.epochs = 0; })), Contains("options.cina.epochs"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.settle_epochs = -1; })), Contains("options.cina.settle_epochs"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.learning_rate = 0; })), Contains("options.cina.learning_rate"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.key_learning_rate = NAN; })),
                    Contains("options.cina.key_learning_rate"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.key_scale = -1; })), Contains("options.cina.key_scale"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.hidden = 0; })), Contains("options.cina.hidden"));
  CHECK_THROWS_WITH(ca::cina(data, with([](ca::CinaOptions& c) { c.key_width = -2; })), Contains("options.cina.key_width"));
  ca::EffectOptions resampled;
  resampled.bootstrap = 10;
  CHECK_THROWS_WITH(ca::cina_fit(data, resampled), Contains("options.bootstrap"));
  ca::EffectOptions negative_lambda;
  negative_lambda.lambda = -1;
  CHECK_THROWS_WITH(ca::cina(data, negative_lambda), Contains("options.lambda"));
}
