#pragma once
/// \file
/// The kernel-based conditional independence test (KCI; Zhang, Peters, Janzing, Schoelkopf 2011).

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/detail/scratch_pool.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/detail/ci_test_cache.hpp"
#include "causalattn/discovery/detail/gamma.hpp"
#include "causalattn/discovery/detail/gaussian_kernel.hpp"
#include "causalattn/discovery/detail/leading_eigenpairs.hpp"
#include "causalattn/discovery/detail/pivoted_cholesky.hpp"
#include "causalattn/discovery/fisher_z.hpp"

namespace causalattn {

/// How a kernel CI test sets the widths of its Gaussian kernels.
enum class KernelWidth {
  empirical,  ///< causal-learn's default rule: a width from n and the dimension only
  median,     ///< sqrt(2) x the median distance between rows (at most 1000 rows, evenly spaced)
  manual      ///< `KciOptions::manual_width` for every kernel
};

/// How KCI turns its statistic into a p-value.
enum class KciNull {
  gamma,    ///< a gamma distribution with the null's mean and variance (causal-learn's default)
  spectral  ///< `null_samples` seeded draws of sum lambda_i chi2_1 over the null's eigenvalues
};

/// Options of `KciTest`. The defaults are causal-learn's `CIT(data, "kci")`.
/// Example: `causalattn::KciOptions o; o.width = causalattn::KernelWidth::median;`
struct KciOptions {
  KernelWidth width = KernelWidth::empirical;  ///< kernel width rule
  double manual_width = 1;                     ///< sigma of every kernel when `width` is manual (theta = 1 / sigma^2)
  KciNull null = KciNull::gamma;               ///< null approximation
  int null_samples = 0;                        ///< spectral draws; 0 = causal-learn's 1000 (|S| = 0) or 5000
  /// Most columns of a kernel's low-rank factor (memory O(n max_rank)); a kernel of higher numerical
  /// rank (large n and a wide Z) is approximated by its
  /// leading pivoted-Cholesky columns, and `KciTest::approximated_tests` counts those tests.
  int max_rank = 4000;
  std::uint64_t seed = 0;                      ///< seed of the spectral draws (each (x, y, S) has its own stream)
  double epsilon = 1e-3;                       ///< ridge of the regression on Z: R = eps (K~z + eps I)^-1
  /// `accurate` computes the upper tail directly; `causal_learn` evaluates 1 - CDF as scipy does
  /// (tails below ~1e-16 round to 0), to reproduce causal-learn's p-values and the ties they make.
  PValueConvention convention = PValueConvention::accurate;

  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    if (width == KernelWidth::manual) {
      check_finite_positive("options.manual_width", manual_width);
      const double theta = 1 / (manual_width * manual_width);
      if (!(theta > 0) || !std::isfinite(theta)) {
        throw invalid_input("options.manual_width",
                            "is " + detail::to_text(manual_width) + ": 1 / width^2 must be finite and > 0");
      }
    }
    check_finite_positive("options.epsilon", epsilon);
    if (null_samples < 0) throw invalid_input("options.null_samples", "is " + std::to_string(null_samples) + ", must be >= 0");
    if (max_rank < 1) throw invalid_input("options.max_rank", "is " + std::to_string(max_rank) + ", must be >= 1");
  }
};

namespace detail {

/// The p-value of `statistic` under a gamma with the given mean and variance.
template <typename = void>
double gamma_tail(double statistic, double mean, double variance, PValueConvention convention) {
  if (!(mean > 0) || !(variance > 0) || !std::isfinite(mean) || !std::isfinite(variance)) {
    throw numerical_error("KCI's null has mean " + to_text(mean) + " and variance " + to_text(variance) +
                          "; the kernels are degenerate (check the kernel width)");
  }
  const double shape = mean * mean / variance, scale = variance / mean;
  return convention == PValueConvention::accurate ? regularized_gamma_q(shape, statistic / scale)
                                                  : 1 - regularized_gamma_p(shape, statistic / scale);
}

/// Share of `draws` seeded draws of sum_i lambda_i chi2_1 that exceed `statistic`. O(draws |lambda|).
template <typename = void>
double spectral_tail(double statistic, const std::vector<double>& lambda, int draws, Rng rng) {
  long long above = 0;
  for (int d = 0; d < draws; ++d) {
    double value = 0;
    for (double l : lambda) {
      const double z = rng.normal();
      value += l * z * z;
    }
    above += value > statistic ? 1 : 0;
  }
  return double(above) / double(draws);
}

/// Eigenvalues of a symmetric matrix in descending order. O(n^3).
template <typename = void>
std::vector<double> descending_eigenvalues(const Matrix<double>& a) {
  Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(a, Eigen::EigenvaluesOnly);
  const auto& values = solver.eigenvalues();  // ascending
  std::vector<double> descending(values.data(), values.data() + values.size());
  std::reverse(descending.begin(), descending.end());
  return descending;
}

/// The buffers of one KCI test. A `KciTest` keeps them in a pool, so its next test (on any
/// thread) reuses memory already touched; they grow to the largest test run and are freed with
/// the test object.
struct KciScratch {
  Matrix<double> x_factor, y_factor, z_factor;  ///< kernel factors, in their first r columns
  Matrix<double> x_data, z_data;                ///< [x, Z/2] and Z of a conditional test
  Vector<double> remainder;                     ///< the pivoted Cholesky's diagonal
  Vector<double> z_gram, coefficients, gram;    ///< Fz'Fz + eps I (then its Cholesky factor), solves, F'F
  Matrix<double> x_gram_factor, y_gram_factor;  ///< C with F'F ~= C C', per side (their sizes differ)
  Vector<double> gram_remainder, small_gram;    ///< the pivoted Cholesky's diagonal of F'F, C'C
  Vector<double> gram_vectors;                  ///< eigenvectors of F'F
  Vector<double> x_vectors, y_vectors;          ///< the null's scaled eigenvectors (shaped views)

  /// A rows x cols column-major view of `buffer`, which grows only when too small.
  static Eigen::Map<Matrix<double>> shaped(Vector<double>& buffer, Index rows, Index cols) {
    if (buffer.size() < rows * cols) buffer.resize(rows * cols);
    return {buffer.data(), rows, cols};
  }
};

}  // namespace detail

/// KCI: x _||_ y | S by kernels, so nonlinear dependence is seen where Fisher z sees none. Each
/// variable is standardised (ddof 1); Gaussian kernels k(a, b) = exp(-theta ||a - b||^2 / 2), centred
/// as K~ = H K H.
/// - S empty (HSIC): statistic tr(K~x K~y); null a gamma with mean tr K~x tr K~y / n and variance
///   2 ||K~x||^2 ||K~y||^2 / n^2 (or spectral: products of both spectra / n). Empirical width
///   theta = 1 / w^2, w = 0.8, 0.5, 0.3 for n < 200, < 1200, else; the median width is measured on
///   the unstandardised variable (causal-learn's convention).
/// - S not empty: x is augmented to [x, Z/2]; R = eps (K~z + eps I)^-1 (applied by the Woodbury
///   identity to low-rank factors; K~z + eps I is positive definite, so a singular K~z is harmless);
///   statistic tr(R K~x R R K~y R); the null's
///   weights are the eigenvalues of (U_x U_x') o (U_y U_y'), U the eigenvectors of R K~ R scaled by
///   the square roots of the eigenvalues above 1e-5 x the largest (causal-learn's truncation); its
///   gamma has that matrix's trace as mean and twice its squared Frobenius norm as variance.
///   Empirical width theta = 1 / (w^2 |S|), w = 1.2, 0.7, 0.4.
/// With the defaults and `PValueConvention::causal_learn` the p-values equal causal-learn's
/// `CIT(data, "kci")` to ~4e-9 relative. The test is symmetric: (x, y) is tested as (min, max), as
/// causal-learn does. Results are cached per (x, y, S) and the object is safe to share between
/// threads; each test runs on its calling thread, so results do not depend on the thread count.
/// Every kernel enters as a pivoted-Cholesky factor of r <= `max_rank` columns (K~ ~= F F', remainder
/// below 1e-10 per diagonal entry, 1e-13 for K~z); the eigensolver of a conditional test sees
/// F'F compressed to c <= r columns (its spectrum below ~1e-8 x the largest left out): cost per
/// test O(n r^2 + c^3 + min(n (k_x k_y)^2, n^2 (k_x + k_y))), k the kept eigenvectors; memory
/// O(n r); no n x n matrix unless the spectral
/// null needs one. The object keeps each test's buffers for its next test: memory already touched
/// is reused, and it holds, for each thread that has tested at once, the buffers of the largest test
/// run (O(n r + r^2)) until it is destroyed.
/// Example:
/// \code
///   causalattn::KciTest test(data);                       // n x p, rows = samples
///   double p = test.test(0, 1, {2}).p_value;              // X1 _||_ X2 | X3 ?
///   auto graph = causalattn::pc(test, names).cpdag;       // or fci, cdnod
/// \endcode
class KciTest {
 public:
  /// \param data    n x p samples (n >= 5, finite, no constant column), copied as double.
  /// \param options widths, null, epsilon, p-value convention.
  template <class Derived>
  explicit KciTest(const Eigen::MatrixBase<Derived>& data, KciOptions options = {})
      : data_(data.template cast<double>()), options_((options.validate(), options)),
        standardized_(detail::standardized_test_data(data_)) {}

  /// Number of variables.
  Index variables() const noexcept { return data_.cols(); }
  /// The options in use.
  const KciOptions& options() const noexcept { return options_; }
  /// Kernel factors so far that reached `options.max_rank` columns with a remainder above their
  /// tolerance: the tests that used them are approximations (0 = every p-value is exact to ~4e-9).
  /// Example: `if (test.approximated_tests() > 0) std::cerr << "raise max_rank";`
  long long approximated_tests() const noexcept { return approximated_.load(std::memory_order_relaxed); }

  /// Tests x _||_ y | s (indices checked; throws `invalid_input` naming x, y or s). Cached.
  /// (A template only so that a program that never tests compiles no solver.)
  template <typename = void>
  CiTestResult test(Index x, Index y, std::vector<Index> s) const;

 private:
  double empirical_theta(bool conditional, Index dimension) const {
    const Index n = data_.rows();
    const double w = conditional ? (n < 200 ? 1.2 : n < 1200 ? 0.7 : 0.4) : (n < 200 ? 0.8 : n < 1200 ? 0.5 : 0.3);
    return conditional ? 1 / (w * w * double(dimension)) : double(dimension) / (w * w);
  }

  // theta of a kernel on `a` (median rule) or by the empirical rule / manual width.
  template <typename = void>
  double theta(const Eigen::Ref<const Matrix<double>>& a, bool conditional, Index dimension) const {
    if (options_.width == KernelWidth::manual) return 1 / (options_.manual_width * options_.manual_width);
    if (options_.width == KernelWidth::empirical) return empirical_theta(conditional, dimension);
    const double median = detail::median_positive_distance(a, detail::median_rows(a.rows(), 1000));
    if (!(median > 0)) throw invalid_input("data", "the rows tested have no two distinct values; the median width is 0");
    return 1 / (2 * median * median);
  }

  // Centred low-rank factor F of a kernel matrix (K~ ~= F F'), remainder below `tolerance` per
  // diagonal entry and at most options.max_rank columns: the first columns of `storage` (a view
  // valid until `storage` is next resized).
  template <typename = void>
  auto centred_factor(const Eigen::Ref<const Matrix<double>>& a, double theta, double tolerance, Matrix<double>& storage,
                      Vector<double>& remainder) const {
    bool truncated = false;
    const Index rank = detail::gaussian_kernel_factor(a, theta, tolerance, Index(options_.max_rank), storage, remainder,
                                                      &truncated);
    if (truncated) approximated_.fetch_add(1, std::memory_order_relaxed);
    auto f = storage.leftCols(rank);
    f.rowwise() -= f.colwise().mean();
    return f;
  }

  template <typename = void>
  CiTestResult unconditional(Index x, Index y, detail::KciScratch& w) const {
    const Index n = data_.rows();
    const auto fx = centred_factor(standardized_.col(x), theta(data_.col(x), false, 1), 1e-10, w.x_factor, w.remainder);
    const auto fy = centred_factor(standardized_.col(y), theta(data_.col(y), false, 1), 1e-10, w.y_factor, w.remainder);
    const Matrix<double> gx = fx.transpose() * fx, gy = fy.transpose() * fy;  // K~'s nonzero spectrum
    CiTestResult result;
    result.statistic = (fx.transpose() * fy).squaredNorm();  // tr(K~x K~y)
    if (options_.null == KciNull::gamma) {
      const double mean = gx.trace() * gy.trace() / double(n);
      const double variance = 2 * gx.squaredNorm() * gy.squaredNorm() / double(n) / double(n);
      result.p_value = detail::gamma_tail(result.statistic, mean, variance, options_.convention);
      return result;
    }
    // causal-learn keeps the n (n <= 1000) or n / 2 largest eigenvalues of each: those the factors
    // leave out are below the remainder, so their products fall under the 1e-6 cut.
    const std::vector<double> lx = detail::descending_eigenvalues(gx), ly = detail::descending_eigenvalues(gy);
    const std::size_t used = std::size_t(n > 1000 ? n / 2 : n);
    const std::size_t ux = std::min(used, lx.size()), uy = std::min(used, ly.size());
    const double largest = ux > 0 && uy > 0 ? std::max(lx.front() * ly.front(), lx[ux - 1] * ly[uy - 1]) : 0;
    std::vector<double> products;
    for (std::size_t i = 0; i < ux; ++i)
      for (std::size_t j = 0; j < uy; ++j)
        if (lx[i] * ly[j] > largest * 1e-6) products.push_back(lx[i] * ly[j] / double(n));
    result.p_value = detail::spectral_tail(result.statistic, products, options_.null_samples > 0 ? options_.null_samples : 1000,
                                           detail::test_stream(options_.seed, x, y, {}));
    return result;
  }

  // F V_k for the eigenvectors V_k of F'F whose eigenvalues exceed 1e-5 x the largest: the
  // eigenvectors of F F' scaled by the square roots of their eigenvalues (none if the largest is 0),
  // a view of `out`. F'F is first compressed by pivoted Cholesky (F'F ~= C C', remainder below
  // 1e-8 x its largest diagonal entry per entry, into `compressed`): what it leaves out lies far
  // under the 1e-5 cut, and C has fewer columns than F (285 -> 163 for x at n = 400), so the
  // eigensolver works on the smaller C'C, whose eigenvector v gives C v / sqrt(lambda). Throws
  // `numerical_error` if F has a non-finite entry.
  template <class Factor>
  static Eigen::Map<Matrix<double>> scaled_leading_eigenvectors(const Factor& f, detail::KciScratch& w,
                                                                Matrix<double>& compressed, Vector<double>& out) {
    const Index m = f.cols();
    Eigen::Map<Matrix<double>> gram = detail::KciScratch::shaped(w.gram, m, m);
    gram.setZero();
    gram.selfadjointView<Eigen::Lower>().rankUpdate(f.transpose());
    gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();  // columns are read whole
    w.gram_remainder = gram.diagonal();
    const double tolerance = m > 0 ? 1e-8 * w.gram_remainder.maxCoeff() : 0.0;
    if (!std::isfinite(tolerance)) throw numerical_error("KCI: a regressed kernel factor has a non-finite entry");
    const Index k = detail::pivoted_cholesky(
        m, [&](Index j, auto&& column) { column = gram.col(j); }, tolerance, m, compressed, w.gram_remainder);
    const auto c = compressed.leftCols(k);
    Eigen::Map<Matrix<double>> small = detail::KciScratch::shaped(w.small_gram, k, k);
    small.setZero();
    small.selfadjointView<Eigen::Lower>().rankUpdate(c.transpose());
    const detail::LeadingEigenpairs pairs = detail::leading_eigenpairs(small, 1e-5);
    Eigen::Map<Matrix<double>> vectors = detail::KciScratch::shaped(w.gram_vectors, m, pairs.values.size());
    vectors.noalias() = c * pairs.vectors;
    vectors.array().rowwise() /= pairs.values.transpose().array().sqrt();
    Eigen::Map<Matrix<double>> u = detail::KciScratch::shaped(out, f.rows(), vectors.cols());
    u.noalias() = f * vectors;
    return u;
  }

  // W'W over rows [start, start + rows), W the products u_x,i u_y,j (column i k_y + j), added to `gram`.
  template <typename = void>
  static void add_khatri_rao_gram(const Eigen::Ref<const Matrix<double>>& ux, const Eigen::Ref<const Matrix<double>>& uy,
                                  Index start, Index rows, Matrix<double>& gram) {
    Matrix<double> w(rows, ux.cols() * uy.cols());
    for (Index i = 0; i < ux.cols(); ++i)
      for (Index j = 0; j < uy.cols(); ++j)
        w.col(i * uy.cols() + j) = ux.middleRows(start, rows).col(i).cwiseProduct(uy.middleRows(start, rows).col(j));
    gram.noalias() += w.transpose() * w;
  }

  // A matrix with the nonzero spectrum of M = (U_x U_x') o (U_y U_y') = W W': W'W (k_x k_y square)
  // when k_x k_y <= n, else M; built by blocks of 1024 rows. O(n min(k_x k_y, n) max(k_x k_y, k_x + k_y)).
  template <typename = void>
  static Matrix<double> hadamard_gram(const Eigen::Ref<const Matrix<double>>& ux, const Eigen::Ref<const Matrix<double>>& uy) {
    const Index n = ux.rows(), columns = ux.cols() * uy.cols(), block = 1024;
    if (columns <= n) {
      Matrix<double> gram = Matrix<double>::Zero(columns, columns);
      for (Index start = 0; start < n; start += block) add_khatri_rao_gram(ux, uy, start, std::min(block, n - start), gram);
      return gram;
    }
    Matrix<double> m(n, n);
    for (Index start = 0; start < n; start += block) {
      const Index rows = std::min(block, n - start);
      m.middleRows(start, rows) = ux.middleRows(start, rows) * ux.transpose();
      m.middleRows(start, rows).array() *= (uy.middleRows(start, rows) * uy.transpose()).array();
    }
    return m;
  }

  // Trace and squared Frobenius norm of M = (U_x U_x') o (U_y U_y') (the null's mean and half its
  // variance): from W'W when (k_x k_y)^2 < n (k_x + k_y), else by blocks of rows of M's lower
  // triangle; O(min(n (k_x k_y)^2, n^2 (k_x + k_y))) time, O(min(k_x k_y, n)^2 + block (n + k_x k_y)) memory.
  template <typename = void>
  static std::pair<double, double> hadamard_gram_moments(const Eigen::Ref<const Matrix<double>>& ux,
                                                         const Eigen::Ref<const Matrix<double>>& uy) {
    const Index n = ux.rows(), block = 128;
    const double columns = double(ux.cols()) * double(uy.cols());
    if (columns * columns < double(n) * double(ux.cols() + uy.cols())) {
      const Matrix<double> gram = hadamard_gram(ux, uy);  // k_x k_y square: the same nonzero spectrum as M
      return {gram.trace(), gram.squaredNorm()};
    }
    double trace = 0, squared_norm = 0;
    for (Index start = 0; start < n; start += block) {
      const Index rows = std::min(block, n - start), cols = start + rows;
      Matrix<double> m = ux.middleRows(start, rows) * ux.topRows(cols).transpose();
      m.array() *= (uy.middleRows(start, rows) * uy.topRows(cols).transpose()).array();
      trace += m.rightCols(rows).diagonal().sum();
      squared_norm += 2 * m.leftCols(start).squaredNorm() + m.rightCols(rows).squaredNorm();
    }
    return {trace, squared_norm};
  }

  template <typename = void>
  CiTestResult conditional(Index x, Index y, const std::vector<Index>& s, detail::KciScratch& w) const {
    const Index n = data_.rows(), d = Index(s.size());
    Matrix<double>& z = w.z_data;
    z.resize(n, d);
    for (Index k = 0; k < d; ++k) z.col(k) = standardized_.col(s[std::size_t(k)]);
    Matrix<double>& xa = w.x_data;
    xa.resize(n, d + 1);
    xa.col(0) = standardized_.col(x);
    xa.rightCols(d) = 0.5 * z;
    const auto zy = standardized_.col(y);
    // K~x, K~y and K~z as centred low-rank factors F F' (remainder <= 1e-10 per diagonal entry).
    auto fx = centred_factor(xa, theta(xa, true, d), 1e-10, w.x_factor, w.remainder);
    auto fy = centred_factor(zy, theta(zy, true, d), 1e-10, w.y_factor, w.remainder);
    const auto fz = centred_factor(z, theta(z, true, d), 1e-13, w.z_factor, w.remainder);
    // R F = eps (Fz Fz' + eps I)^-1 F = F - Fz (Fz'Fz + eps I)^-1 Fz' F (Woodbury; positive definite).
    auto gram = detail::KciScratch::shaped(w.z_gram, fz.cols(), fz.cols());
    gram.noalias() = fz.transpose() * fz;
    gram.diagonal().array() += options_.epsilon;
    const Eigen::LLT<Eigen::Ref<Matrix<double>>> factor(gram);  // in place
    if (factor.info() != Eigen::Success) {
      throw numerical_error(
          "KCI: the Woodbury system Fz'Fz + eps I is not positive definite (eps = " + detail::to_text(options_.epsilon) + ")");
    }
    for (auto* f : {&fx, &fy}) {
      auto coefficients = detail::KciScratch::shaped(w.coefficients, fz.cols(), f->cols());
      coefficients.noalias() = fz.transpose() * *f;
      factor.solveInPlace(coefficients);
      f->noalias() -= fz * coefficients;
    }
    CiTestResult result;
    result.statistic = (fx.transpose() * fy).squaredNorm();  // tr(R K~x R R K~y R)
    const auto ux = scaled_leading_eigenvectors(fx, w, w.x_gram_factor, w.x_vectors);
    const auto uy = scaled_leading_eigenvectors(fy, w, w.y_gram_factor, w.y_vectors);
    if (ux.cols() == 0 || uy.cols() == 0) return result;  // nothing left of x or y once Z is regressed out
    if (options_.null == KciNull::gamma) {
      const auto [trace, squared_norm] = hadamard_gram_moments(ux, uy);
      result.p_value = detail::gamma_tail(result.statistic, trace, 2 * squared_norm, options_.convention);
      return result;
    }
    // The null's weights: the eigenvalues of (U_x U_x') o (U_y U_y') = W W', W (n x k_x k_y) the
    // products u_x,i u_y,j, taken from the smaller of W'W and W W'.
    const Index columns = ux.cols() * uy.cols();
    if (std::min(n, columns) > 11585) {  // a Gram matrix over 1 GB
      throw invalid_input("options.null", "the spectral null would need a " + std::to_string(std::min(n, columns)) +
                                              "^2 matrix at n = " + std::to_string(n) + "; use the gamma null");
    }
    std::vector<double> lambda = detail::descending_eigenvalues(hadamard_gram(ux, uy));
    const double largest = lambda.front();
    lambda.erase(std::remove_if(lambda.begin(), lambda.end(), [&](double l) { return !(l > largest * 1e-5); }), lambda.end());
    result.p_value = detail::spectral_tail(result.statistic, lambda, options_.null_samples > 0 ? options_.null_samples : 5000,
                                           detail::test_stream(options_.seed, x, y, s));
    return result;
  }

  Matrix<double> data_;
  KciOptions options_;
  Matrix<double> standardized_;
  mutable detail::CiResultCache cache_;
  mutable detail::ScratchPool<detail::KciScratch> scratch_;
  mutable std::atomic<long long> approximated_{0};
};

// Defined outside the class, so not inline: the project's own programs can declare it `extern template`.
template <typename>
CiTestResult KciTest::test(Index x, Index y, std::vector<Index> s) const {
  detail::check_test_indices(variables(), x, y, s);
  return detail::cached_test(cache_, x, y, std::move(s), [&](Index a, Index b, const std::vector<Index>& z) {
    const auto scratch = scratch_.acquire();
    return z.empty() ? unconditional(a, b, *scratch) : conditional(a, b, z, *scratch);
  });
}

}  // namespace causalattn
