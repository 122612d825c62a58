#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "causalattn/effects/cina_zs_training.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

ca::CinaZsConfig small_config() {
  ca::CinaZsConfig c;
  c.max_covariates = 8;
  c.width = 16;
  c.hidden = 32;
  c.layers = 2;
  c.heads = 2;
  return c;
}

ca::SimulatedDataset small_dataset(std::uint64_t seed) {
  ca::SimulationFamily family = ca::in_family();
  family.n_min = 60;
  family.n_max = 120;
  family.p_min = 3;
  family.p_max = 8;
  return ca::simulate_dataset(family, seed);
}

}  // namespace

TEST_CASE("CInA-ZS: shuffling the units leaves the estimate unchanged (double, 1e-9)", "[effects][cina_zs]") {
  const std::uint64_t seed = 31;
  std::printf("CInA-ZS permutation: seed %llu\n", static_cast<unsigned long long>(seed));
  const ca::CinaZsModel<double> model(small_config(), seed);
  const ca::SimulatedDataset ds = small_dataset(seed);
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  const ca::EffectEstimate r = ca::cina_zs(model, data);

  std::vector<Index> order(std::size_t(ds.x.rows()));
  std::iota(order.begin(), order.end(), Index(0));
  ca::Rng rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  ca::Matrix<double> x(ds.x.rows(), ds.x.cols());
  ca::Vector<double> t(ds.t.size()), y(ds.y.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    x.row(Index(k)) = ds.x.row(order[k]);
    t(Index(k)) = ds.t(order[k]);
    y(Index(k)) = ds.y(order[k]);
  }
  const ca::EffectEstimate shuffled = ca::cina_zs(model, ca::TreatmentData<double>(x, t, y));
  CHECK(shuffled.estimate == Approx(r.estimate).margin(1e-9));
  CHECK(shuffled.std_error == Approx(r.std_error).margin(1e-9));
  for (std::size_t k = 0; k < order.size(); ++k) CHECK(shuffled.weights(Index(k)) == Approx(r.weights(order[k])).margin(1e-12));
  // The weights are not uniform: the estimate is not the difference in means.
  CHECK(r.weights.maxCoeff() > 1.05 * r.weights.minCoeff());
  CHECK(r.method == "cina-zs");
}

TEST_CASE("CInA-ZS: padded units and other data sets in the batch change nothing", "[effects][cina_zs]") {
  ca::CinaZsModel<double> model(small_config(), 5);
  const Index p_max = model.config().max_covariates;
  const ca::SimulatedDataset a = small_dataset(41), b = small_dataset(42);
  auto tokens_of = [&](const ca::SimulatedDataset& ds) {
    return ca::cina_zs_tokens<double>(ca::cina_zs_covariates(ds.x, p_max), ds.t, p_max);
  };
  const ca::Matrix<double> ta = tokens_of(a), tb = tokens_of(b);
  const ca::Vector<double> alone = model.forward(ta, ca::SequenceLayout::single(ta.rows()));

  // Pad data set a with 17 junk units masked out of the keys.
  const Index pad = 17;
  ca::Rng rng(9);
  ca::Matrix<double> padded(ta.rows() + pad, ta.cols());
  padded.topRows(ta.rows()) = ta;
  padded.bottomRows(pad) = 3.0 * ca::normal_matrix<double>(pad, ta.cols(), rng);
  ca::KeyPaddingMask mask = ca::KeyPaddingMask::Constant(padded.rows(), false);
  mask.tail(pad).setConstant(true);
  const ca::Vector<double> with_padding = model.forward(padded, ca::SequenceLayout::single(padded.rows()), mask);
  CHECK((with_padding.head(ta.rows()) - alone).cwiseAbs().maxCoeff() < 1e-12);
  // Without the mask the junk units would be attended and change the result.
  const ca::Vector<double> unmasked = model.forward(padded, ca::SequenceLayout::single(padded.rows()));
  CHECK((unmasked.head(ta.rows()) - alone).cwiseAbs().maxCoeff() > 1e-6);

  // Stacked with another data set (ragged batch): each data set's logits are its own.
  ca::Matrix<double> stacked(ta.rows() + tb.rows(), ta.cols());
  stacked << ta, tb;
  const ca::Vector<double> both = model.forward(stacked, ca::SequenceLayout::from_lengths({ta.rows(), tb.rows()}));
  CHECK((both.head(ta.rows()) - alone).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((both.tail(tb.rows()) - model.forward(tb, ca::SequenceLayout::single(tb.rows()))).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("CInA-ZS tokens and covariate reduction", "[effects][cina_zs]") {
  ca::Rng rng(3);
  const Index n = 400;
  ca::Matrix<double> x = ca::normal_matrix<double>(n, 12, rng);
  x.col(5) = 2 * x.col(1) + 0.1 * x.col(5);  // correlated columns
  const ca::Matrix<double> z = ca::cina_zs_covariates(x, 6);
  REQUIRE(z.cols() == 6);
  const ca::Matrix<double> covariance = z.transpose() * z / double(n);
  CHECK((covariance - ca::Matrix<double>::Identity(6, 6)).cwiseAbs().maxCoeff() < 1e-9);  // unit variance, uncorrelated
  CHECK(z.colwise().mean().cwiseAbs().maxCoeff() < 1e-12);
  // At most p_max covariates: z-scores, unreduced.
  const ca::Matrix<double> small = ca::cina_zs_covariates(x.leftCols(4), 6);
  CHECK(small.cols() == 4);
  CHECK(small.col(2).squaredNorm() / double(n) == Approx(1.0));

  ca::Vector<double> t = ca::Vector<double>::Zero(n);
  t.head(150).setOnes();
  const ca::Matrix<float> tokens = ca::cina_zs_tokens<float>(small, t, 6);
  CHECK(tokens.cols() == 13);
  CHECK(tokens.block(0, 6, n, 4).minCoeff() == 1.0f);   // real features marked
  CHECK(tokens.block(0, 4, n, 2).cwiseAbs().maxCoeff() == 0.0f);  // padding zero
  CHECK(tokens.block(0, 10, n, 2).cwiseAbs().maxCoeff() == 0.0f);  // padding unmarked
  CHECK(tokens(0, 12) == 1.0f);
  CHECK(tokens(n - 1, 12) == -1.0f);
  CHECK_THROWS_WITH(ca::cina_zs_tokens<float>(z, t, 4), Contains("x") && Contains("max_covariates = 4"));
  t(7) = 2;
  CHECK_THROWS_WITH(ca::cina_zs_tokens<float>(small, t, 6), Contains("t") && Contains("row 7"));
  CHECK_THROWS_WITH(ca::cina_zs_covariates(small, 0), Contains("max_covariates"));
  // Rank-deficient wide data: only the real components are kept, never rounding noise.
  ca::Matrix<double> wide(30, 25);
  const ca::Matrix<double> basis = ca::normal_matrix<double>(30, 3, rng);
  wide = basis * ca::normal_matrix<double>(3, 25, rng);
  CHECK(ca::cina_zs_covariates(wide, 20).cols() == 3);
  x.col(3).setConstant(1.5);
  CHECK_THROWS_WITH(ca::cina_zs_covariates(x, 6), Contains("x") && Contains("column 3"));
}

TEST_CASE("the optimal hinge intercept minimises the hinge sum", "[effects][cina_zs]") {
  ca::Rng rng(8);
  for (int trial = 0; trial < 50; ++trial) {
    const Index n = 5 + Index(rng.uniform_int(40));
    ca::Vector<double> o(n), w(n);
    for (Index i = 0; i < n; ++i) {
      w(i) = rng.bernoulli(0.4) ? 1.0 : -1.0;
      o(i) = rng.normal() * 2;
    }
    auto hinge = [&](double b) {
      double s = 0;
      for (Index i = 0; i < n; ++i) s += std::max(0.0, 1 - w(i) * (o(i) + b));
      return s;
    };
    const double best = ca::detail::optimal_hinge_intercept(o, w);
    for (double b = -8; b <= 8; b += 0.01) CHECK(hinge(best) <= hinge(b) + 1e-12);
  }
}

TEST_CASE("CInA-ZS model files round-trip and reject corruption", "[effects][cina_zs]") {
  const ca::CinaZsModel<float> model(small_config(), 77);
  const std::string bytes = ca::serialize_cina_zs(model);
  const auto back = ca::parse_cina_zs<float>(bytes, "model.bin");
  CHECK(back.config().width == 16);
  CHECK(back.config().max_covariates == 8);
  CHECK(ca::serialize_cina_zs(back) == bytes);
  const ca::SimulatedDataset ds = small_dataset(3);
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  CHECK(ca::cina_zs(back, data).estimate == ca::cina_zs(model, data).estimate);
  // A float file loads into a double model with the same weights (to float rounding of the output).
  CHECK(ca::cina_zs(ca::parse_cina_zs<double>(bytes), data).estimate == Approx(ca::cina_zs(model, data).estimate).margin(1e-4));

  std::string corrupted = bytes;
  corrupted[bytes.size() / 2] = char(corrupted[bytes.size() / 2] ^ 0x10);
  CHECK_THROWS_WITH(ca::parse_cina_zs<float>(corrupted, "model.bin"), Contains("model.bin"));
  CHECK_THROWS_WITH(ca::parse_cina_zs<float>(bytes.substr(0, 100), "model.bin"), Contains("model.bin") && Contains("cannot fit"));
  // A config with an impossible width is refused before anything is allocated.
  std::string huge = bytes;
  {
    ca::CinaZsModel<float> copy = model;
    ca::ParameterRegistry<float> r;
    copy.register_parameters(r);
    ca::Parameter<float> config{ca::detail::cina_zs_config_tensor(model.config()), ca::Matrix<float>()};
    config.value(0, 2) = 1e9f;
    ca::ParameterRegistry<float> with_config;
    with_config.add(ca::detail::cina_zs_config_name, config);
    for (const auto& e : r.entries()) with_config.add(e.name, *e.parameter);
    CHECK_THROWS_WITH(ca::parse_cina_zs<float>(ca::serialize_parameters(with_config), "huge.bin"),
                      Contains("huge.bin") && Contains("not a whole number in [1, 16384]"));
  }
  // A plain parameter file (no config) is not a CInA-ZS model.
  ca::Parameter<float> p = ca::Parameter<float>::zeros(2, 2);
  ca::ParameterRegistry<float> registry;
  registry.add("w", p);
  CHECK_THROWS_WITH(ca::parse_cina_zs<float>(ca::serialize_parameters(registry), "other.bin"), Contains("not a CInA-ZS model"));
}

TEST_CASE("CInA-ZS training lowers the balancing loss and is deterministic", "[effects][cina_zs]") {
  ca::SimulationFamily family = ca::in_family();
  family.n_min = 60;
  family.n_max = 120;
  family.p_max = 8;
  const auto datasets = ca::simulate_datasets(family, 48, 11);
  ca::CinaZsTrainingOptions options;
  options.epochs = 6;
  options.batch = 4;
  options.learning_rate = 3e-3;
  ca::CinaZsModel<float> model(small_config(), 1), again(small_config(), 1);
  long long calls = 0;
  options.progress = [&](const ca::CinaZsProgress& p) {
    ++calls;
    CHECK(p.total_steps == 72);
  };
  const auto report = ca::train_cina_zs(model, datasets, options);
  REQUIRE(report.epoch_loss.size() == 6);
  CHECK(report.steps == 72);
  CHECK(calls == 72);
  INFO("first epoch " << report.epoch_loss.front() << ", last " << report.epoch_loss.back());
  CHECK(report.epoch_loss.back() < 0.95 * report.epoch_loss.front());
  options.threads = 1;
  options.progress = nullptr;
  ca::train_cina_zs(again, datasets, options);
  CHECK(ca::serialize_cina_zs(again) == ca::serialize_cina_zs(model));  // thread count does not matter

  options.epochs = 0;
  CHECK_THROWS_WITH(ca::train_cina_zs(model, datasets, options), Contains("options.epochs"));
  options.epochs = 1;
  CHECK_THROWS_WITH(ca::train_cina_zs(model, {}, options), Contains("datasets"));
  auto broken = datasets;
  broken[3].t(0) = 2;
  CHECK_THROWS_WITH(ca::train_cina_zs(model, broken, options), Contains("datasets[3]") && Contains("row 0"));
  ca::EffectOptions att;
  att.estimand = ca::Estimand::att;
  const ca::SimulatedDataset ds = small_dataset(2);
  ca::EffectOptions resampled;
  resampled.bootstrap = 30;
  const auto boot = ca::cina_zs(model, ca::TreatmentData<double>(ds.x, ds.t, ds.y), resampled);
  CHECK(boot.std_error_method.find("bootstrap") != std::string::npos);
  CHECK(boot.std_error > 0);
  CHECK_THROWS_WITH(ca::cina_zs(model, ca::TreatmentData<double>(ds.x, ds.t, ds.y), att), Contains("options.estimand"));
}

TEST_CASE("the shipped CInA-ZS model loads, matches its checksum and estimates", "[effects][cina_zs]") {
  const auto model = ca::CinaZsModel<float>::load_default();  // verifies cina_zs_default_checksum
  CHECK(model.config().max_covariates == ca::CinaZsConfig{}.max_covariates);
  const std::string bytes = ca::detail::read_file_bytes(ca::cina_zs_default_path());
  CHECK(ca::detail::fnv1a64(bytes) == ca::cina_zs_default_checksum);
  CHECK(bytes.size() < 1000000);
  const ca::SimulatedDataset ds = ca::simulate_dataset(ca::in_family(), 2026);
  const ca::EffectEstimate r = ca::cina_zs(model, ca::TreatmentData<double>(ds.x, ds.t, ds.y));
  INFO("estimate " << r.estimate << " +- " << r.std_error << ", truth " << ds.ate);
  CHECK(std::isfinite(r.estimate));
  CHECK(r.std_error > 0);
  // A copy with one flipped byte is refused, by checksum, when loaded as the default or by path.
  const std::string copy = "cina_zs_corrupted.bin";
  std::string corrupted = bytes;
  corrupted[200] = char(corrupted[200] ^ 1);
  ca::detail::write_file_bytes(copy, corrupted);
  CHECK_THROWS_WITH(ca::CinaZsModel<float>::load_default(copy), Contains(copy) && Contains("checksum"));
  std::remove(copy.c_str());
}
