#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "causalattn/core/random.hpp"
#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/kernels/attention_naive.hpp"
#include "finite_difference.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

// Agreement required between two attention implementations, relative to the output scale: the issue
// asks for 1e-12 in double and 1e-5 in float.
template <class Scalar>
Scalar kernel_tolerance() {
  return std::is_same_v<Scalar, float> ? Scalar(1e-5) : Scalar(1e-12);
}

template <class Scalar>
Scalar max_abs_diff(const ca::Matrix<Scalar>& a, const ca::Matrix<Scalar>& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return a.size() == 0 ? Scalar(0) : (a - b).cwiseAbs().maxCoeff();
}

struct Problem {
  Index nq, nk, d, dv;
  bool causal;
  bool padding;
};

const Problem problems[] = {
    {1, 1, 1, 1, false, false},   {7, 7, 5, 3, true, false},     {33, 33, 16, 16, false, true},
    {33, 57, 9, 4, false, false}, {257, 257, 32, 17, true, true}, {70, 40, 8, 8, true, false},
    {40, 70, 8, 8, true, true},   {257, 100, 3, 65, false, true},
};

}  // namespace

TEMPLATE_TEST_CASE("tiled attention equals the naive and the scalar reference at awkward sizes", "[kernels][attention]",
                   float, double) {
  const std::uint64_t seed = 99;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (const auto& pr : problems) {
    for (Index tile : {1, 16, 64}) {
      INFO("nq " << pr.nq << " nk " << pr.nk << " d " << pr.d << " causal " << pr.causal << " padding " << pr.padding
                 << " tile " << tile);
      const ca::Matrix<TestType> q = ca::normal_matrix<TestType>(pr.nq, pr.d, rng);
      const ca::Matrix<TestType> k = ca::normal_matrix<TestType>(pr.nk, pr.d, rng);
      const ca::Matrix<TestType> v = ca::normal_matrix<TestType>(pr.nk, pr.dv, rng);
      ca::KeyPaddingMask padding;
      if (pr.padding) {
        padding = ca::KeyPaddingMask::Zero(pr.nk);
        for (Index j = 0; j < pr.nk; ++j) padding(j) = rng.bernoulli(0.3);
        padding(0) = true;  // with the causal mask, query 0 then sees nothing: a fully masked row
      }
      ca::AttentionOptions options;
      options.causal = pr.causal;
      options.return_attention = true;
      options.query_tile = tile;
      options.key_tile = tile + 7;
      const auto tiled = ca::attention_forward<TestType>(q, k, v, options, padding);
      const auto naive = ca::attention_naive<TestType>(q, k, v, options, padding);
      options.path = ca::KernelPath::scalar;
      const auto scalar = ca::attention_forward<TestType>(q, k, v, options, padding);
      const TestType tol = kernel_tolerance<TestType>();
      REQUIRE(max_abs_diff(tiled.output, scalar.output) <= tol);
      REQUIRE(max_abs_diff(tiled.output, naive.output) <= tol);
      REQUIRE(max_abs_diff(tiled.attention, naive.attention) <= tol);
      REQUIRE(max_abs_diff(scalar.attention, naive.attention) <= tol);
      for (Index i = 0; i < pr.nq; ++i) {
        const bool masked = std::isinf(scalar.log_normalizer(i));
        REQUIRE(std::isinf(tiled.log_normalizer(i)) == masked);
        REQUIRE(std::isinf(naive.log_normalizer(i)) == masked);
        if (masked) {
          REQUIRE(tiled.output.row(i).isZero(0));
          REQUIRE(tiled.attention.row(i).isZero(0));
        } else {
          REQUIRE(std::abs(tiled.log_normalizer(i) - scalar.log_normalizer(i)) <= tol * TestType(10));
          REQUIRE(std::abs(tiled.attention.row(i).sum() - TestType(1)) <= tol * TestType(10));
        }
      }
    }
  }
}

TEST_CASE("fully masked rows are documented zeros with log-normaliser -inf", "[kernels][attention]") {
  ca::Rng rng(3);
  const auto q = ca::normal_matrix<double>(5, 4, rng), k = ca::normal_matrix<double>(6, 4, rng);
  const auto v = ca::normal_matrix<double>(6, 2, rng);
  const ca::KeyPaddingMask all_padding = ca::KeyPaddingMask::Constant(6, true);
  for (auto path : {ca::KernelPath::vectorized, ca::KernelPath::scalar}) {
    ca::AttentionOptions options;
    options.path = path;
    const auto r = ca::attention_forward<double>(q, k, v, options, all_padding);
    REQUIRE(r.output.isZero(0));
    REQUIRE((r.log_normalizer.array() == -std::numeric_limits<double>::infinity()).all());
    const auto g = ca::attention_backward<double>(q, k, v, r.output, r.log_normalizer,
                                                  ca::Matrix<double>::Ones(5, 2), options, all_padding);
    REQUIRE(g.dq.isZero(0));
    REQUIRE(g.dk.isZero(0));
    REQUIRE(g.dv.isZero(0));
  }
}

TEST_CASE("an unmasked row whose scores all overflow to -inf is a zero row, as in the reference", "[kernels][attention]") {
  // Finite inputs whose products overflow float: row 1 scores -inf against every key.
  ca::Matrix<float> q(3, 1), k(4, 1), v(4, 2);
  q << 0.5f, -1e30f, 1.0f;
  k << 1e10f, 2e10f, 3e10f, 4e10f;
  v << 1, 2, 3, 4, 5, 6, 7, 8;
  ca::AttentionOptions options;
  const auto tiled = ca::attention_forward<float>(q, k, v, options);
  options.path = ca::KernelPath::scalar;
  const auto reference = ca::attention_forward<float>(q, k, v, options);
  CHECK(tiled.output.row(1).isZero(0));
  CHECK(tiled.log_normalizer(1) == -std::numeric_limits<float>::infinity());
  CHECK(reference.output.row(1).isZero(0));
  CHECK(tiled.output.row(0).isApprox(reference.output.row(0), 1e-5f));
}

TEMPLATE_TEST_CASE("results are bit-identical for any thread count", "[kernels][attention]", float, double) {
  ca::Rng rng(17);
  const auto q = ca::normal_matrix<TestType>(301, 24, rng), k = ca::normal_matrix<TestType>(301, 24, rng);
  const auto v = ca::normal_matrix<TestType>(301, 24, rng), dout = ca::normal_matrix<TestType>(301, 24, rng);
  ca::AttentionOptions options;
  options.causal = true;
  options.query_tile = 32;
  options.key_tile = 48;
  options.threads = 1;
  const auto f1 = ca::attention_forward<TestType>(q, k, v, options);
  const auto g1 = ca::attention_backward<TestType>(q, k, v, f1.output, f1.log_normalizer, dout, options);
  options.threads = 2;
  const auto f2 = ca::attention_forward<TestType>(q, k, v, options);
  const auto g2 = ca::attention_backward<TestType>(q, k, v, f2.output, f2.log_normalizer, dout, options);
  REQUIRE(f1.output == f2.output);
  REQUIRE(f1.log_normalizer == f2.log_normalizer);
  REQUIRE(g1.dq == g2.dq);
  REQUIRE(g1.dk == g2.dk);
  REQUIRE(g1.dv == g2.dv);
}

TEMPLATE_TEST_CASE("tiled backward equals the scalar reference", "[kernels][attention]", float, double) {
  ca::Rng rng(23);
  for (const auto& pr : problems) {
    INFO("nq " << pr.nq << " nk " << pr.nk << " causal " << pr.causal << " padding " << pr.padding);
    const auto q = ca::normal_matrix<TestType>(pr.nq, pr.d, rng), k = ca::normal_matrix<TestType>(pr.nk, pr.d, rng);
    const auto v = ca::normal_matrix<TestType>(pr.nk, pr.dv, rng), dout = ca::normal_matrix<TestType>(pr.nq, pr.dv, rng);
    ca::KeyPaddingMask padding;
    if (pr.padding) {
      padding = ca::KeyPaddingMask::Zero(pr.nk);
      for (Index j = 0; j < pr.nk; j += 3) padding(j) = true;
    }
    ca::AttentionOptions options;
    options.causal = pr.causal;
    options.query_tile = 16;
    options.key_tile = 24;
    const auto fwd = ca::attention_forward<TestType>(q, k, v, options, padding);
    const auto tiled = ca::attention_backward<TestType>(q, k, v, fwd.output, fwd.log_normalizer, dout, options, padding);
    options.path = ca::KernelPath::scalar;
    const auto scalar = ca::attention_backward<TestType>(q, k, v, fwd.output, fwd.log_normalizer, dout, options, padding);
    const TestType tol = kernel_tolerance<TestType>() * TestType(10);  // sums over n_k terms of O(1)
    REQUIRE(max_abs_diff(tiled.dq, scalar.dq) <= tol * TestType(pr.nk));
    REQUIRE(max_abs_diff(tiled.dk, scalar.dk) <= tol * TestType(pr.nq));
    REQUIRE(max_abs_diff(tiled.dv, scalar.dv) <= tol * TestType(pr.nq));
  }
}

TEST_CASE("backward matches central finite differences of the forward pass", "[kernels][attention]") {
  ca::Rng rng(31);
  for (bool causal : {false, true}) {
    const Index nq = 9, nk = 11, d = 5, dv = 4;
    ca::Matrix<double> q = ca::normal_matrix<double>(nq, d, rng), k = ca::normal_matrix<double>(nk, d, rng);
    ca::Matrix<double> v = ca::normal_matrix<double>(nk, dv, rng);
    const ca::Matrix<double> weights = ca::normal_matrix<double>(nq, dv, rng);  // loss = sum(weights o output)
    ca::KeyPaddingMask padding = ca::KeyPaddingMask::Zero(nk);
    padding(4) = true;
    ca::AttentionOptions options;
    options.causal = causal;
    options.scale = 0.7;
    options.query_tile = 4;
    options.key_tile = 3;
    auto loss = [&] { return ca::attention_forward<double>(q, k, v, options, padding).output.cwiseProduct(weights).sum(); };
    const auto fwd = ca::attention_forward<double>(q, k, v, options, padding);
    const auto g = ca::attention_backward<double>(q, k, v, fwd.output, fwd.log_normalizer, weights, options, padding);
    ca::test::check_gradient("dq", q, g.dq, loss);
    ca::test::check_gradient("dk", k, g.dk, loss);
    ca::test::check_gradient("dv", v, g.dv, loss);
  }
}

TEST_CASE("attention kernels reject bad input naming the argument", "[kernels][attention]") {
  const ca::Matrix<double> q = ca::Matrix<double>::Ones(4, 3), k = ca::Matrix<double>::Ones(5, 3);
  const ca::Matrix<double> v = ca::Matrix<double>::Ones(5, 2);
  auto fwd = [](const ca::Matrix<double>& a, const ca::Matrix<double>& b, const ca::Matrix<double>& c,
                const ca::AttentionOptions& o = {}, const ca::KeyPaddingMask& m = {}) {
    return ca::attention_forward<double>(a, b, c, o, m);
  };
  REQUIRE_THROWS_WITH(fwd(q, ca::Matrix<double>::Ones(5, 4), v), Contains("k: has 4 columns but q has 3"));
  REQUIRE_THROWS_WITH(fwd(q, k, ca::Matrix<double>::Ones(6, 2)), Contains("v: has 6 rows but k has 5"));
  REQUIRE_THROWS_WITH(fwd(ca::Matrix<double>(0, 3), k, v), Contains("q: is empty"));
  ca::Matrix<double> bad = q;
  bad(2, 1) = std::nan("");
  REQUIRE_THROWS_WITH(fwd(bad, k, v), Contains("q: non-finite value nan at row 2, column 1"));
  REQUIRE_THROWS_WITH(fwd(q, k, v, {}, ca::KeyPaddingMask::Zero(4)), Contains("key_padding: has 4 entries"));
  ca::AttentionOptions o;
  o.scale = -1;
  REQUIRE_THROWS_WITH(fwd(q, k, v, o), Contains("options.scale"));
  o = {};
  o.query_tile = 0;
  REQUIRE_THROWS_WITH(fwd(q, k, v, o), Contains("options.query_tile"));
  o = {};
  o.threads = -1;
  REQUIRE_THROWS_WITH(fwd(q, k, v, o), Contains("options.threads"));
  const auto r = fwd(q, k, v);
  REQUIRE_THROWS_WITH(ca::attention_backward<double>(q, k, v, r.output, r.log_normalizer, ca::Matrix<double>::Ones(4, 3)),
                      Contains("d_output: has shape 4 x 3, expected 4 x 2"));
  ca::Vector<double> lse = r.log_normalizer;
  lse(1) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(ca::attention_backward<double>(q, k, v, r.output, lse, r.output), Contains("log_normalizer: value inf at row 1"));
}

TEST_CASE("memory stays O(n d): a 16384-token head runs without the 2 GB score matrix", "[kernels][attention][large]") {
  // The naive version would allocate 16384^2 doubles (2 GiB); the tiled kernel needs a few MB.
  ca::Rng rng(8);
  const Index n = 16384, d = 8;
  const auto q = ca::normal_matrix<double>(n, d, rng);
  ca::AttentionOptions options;
  options.causal = true;
  const auto r = ca::attention_forward<double>(q, q, q, options);
  REQUIRE(r.output.allFinite());
  REQUIRE(r.output.row(0).isApprox(q.row(0)));  // the first token sees only itself
}
