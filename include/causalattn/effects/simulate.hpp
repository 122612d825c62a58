#pragma once
/// \file
/// Confounded observational data sets with a known treatment effect, drawn from random structural
/// causal models (SCMs) in families: for training and evaluating a zero-shot effect model (CInA-ZS)
/// and for checking the estimators where the truth is known.
///
/// One data set of a family is made as follows (every draw from `Rng(seed)`):
/// 1. n uniform in [n_min, n_max], p uniform in [p_min, p_max].
/// 2. A random topological order of the p covariates; each pair (earlier, later) is an edge of the
///    covariate DAG with probability min(1, expected_degree / (p - 1)) (Erdos-Renyi).
/// 3. Covariates in that order: X_j = sum over parents k of w_jk g_jk(z_k) + noise, where z_k is
///    covariate k standardised over the sample (mean 0, sd 1), w_jk has a random sign and a size
///    uniform in [weight_min, weight_max], and g_jk is the identity (linear), a random smooth
///    function (nonlinear) or either with probability 1/2 (mixed); roots are pure noise.
/// 4. The treatment's parents are a random subset of the covariates (each with probability
///    `treatment_parent_probability`, at least one); e(x) = clip(sigmoid(confounding_strength *
///    s(x) + b), overlap, 1 - overlap), s the standardised score sum_k a_k z_k over those parents,
///    b uniform in [intercept_min, intercept_max]; T ~ Bernoulli(e(x)).
/// 5. The outcome's parents likewise (`outcome_parent_probability`), with at least one confounder
///    (a parent of both T and Y): mu0(x) = sum over outcome parents of w_k g_k(z_k), mu1 = mu0 +
///    tau(x), Y = mu0 + tau(x) T + noise. tau is a constant uniform in [tau_min, tau_max], or with
///    `heterogeneous` that constant plus `heterogeneity` x sum over a few effect modifiers of
///    w_k g_k(z_k), the first modifier being a treatment parent so that the ATT differs from the ATE.
/// Optional shapes (off by default, and then no random draw is spent on them, so the data sets of a
/// family without them do not change): each covariate is, with probability `binary_share`,
/// dichotomised after its equation (x_j = 1[z_j > c], c uniform in [-1, 1]) or else, with
/// probability `skewed_share`, made right-skewed (x_j = exp(s asinh(z_j)), s uniform in [0.5, 1]:
/// log-normal-like near the centre, tails no heavier than |z_j|^s); its children read the
/// transformed value, standardised. With `heteroscedasticity` h > 0 the outcome noise of unit i has
/// standard deviation noise_scale exp(h tanh(z_ki)) / c, z_k a random outcome parent and c making
/// the mean over units of the squared scale noise_scale^2 (the largest and smallest scale differ
/// by at most e^(2h)).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// How a parent enters a structural equation: `linear` (w z), `nonlinear` (w g(z) with g drawn from
/// tanh, sin, the centred square (z^2 - 1) / sqrt(2) and the centred softplus log(1 + e^z) - log 2)
/// or `mixed` (each parent linear or nonlinear with probability 1/2).
enum class Mechanism { linear, nonlinear, mixed };

/// Distribution of the additive noise of every covariate and of the outcome, all with standard
/// deviation `noise_scale`: normal (excess kurtosis 0), uniform (-1.2) or Laplace (+3).
enum class Noise { gaussian, uniform, laplace };

namespace detail {

/// names[value], or "unknown" when `value` lies outside the list (an invalid enum value). O(1).
template <std::size_t N>
std::string enum_name(int value, const char* const (&names)[N]) {
  return value >= 0 && std::size_t(value) < N ? names[value] : "unknown";
}

}  // namespace detail

/// Name of a mechanism ("linear", "nonlinear", "mixed"; "unknown" for a value outside the enum).
/// Example: `std::cout << causalattn::mechanism_name(family.mechanism);`
template <typename Defer = void>
std::string mechanism_name(Mechanism m) {
  static const char* const names[] = {"linear", "nonlinear", "mixed"};
  return detail::enum_name(static_cast<int>(m), names);
}

/// Name of a noise distribution ("gaussian", "uniform", "laplace"; "unknown" outside the enum).
/// Example: `std::cout << causalattn::noise_name(family.noise);`
template <typename Defer = void>
std::string noise_name(Noise kind) {
  static const char* const names[] = {"gaussian", "uniform", "laplace"};
  return detail::enum_name(static_cast<int>(kind), names);
}

/// A family of simulated data sets: the ranges and kinds every random SCM of the family is drawn
/// from (see the file comment for the model). The defaults are the in-family training
/// distribution, `in_family()`. Aggregate; call `validate()` (the simulators do).
/// Example:
/// \code
///   causalattn::SimulationFamily family;  // = in_family()
///   family.heterogeneous = true;
///   auto data = causalattn::simulate_dataset(family, 7);
/// \endcode
struct SimulationFamily {
  Index n_min = 200;                          ///< fewest units, >= 10
  Index n_max = 1000;                         ///< most units, >= n_min
  Index p_min = 5;                            ///< fewest covariates, >= 1
  Index p_max = 20;                           ///< most covariates, in [p_min, 4096] (the DAG is stored densely)
  double expected_degree = 2;                 ///< mean number of neighbours of a covariate in the DAG, >= 0
  Mechanism mechanism = Mechanism::mixed;     ///< how parents enter the covariates, mu0 and tau(x)
  Noise noise = Noise::gaussian;              ///< noise distribution of covariates and outcome
  double noise_scale = 1;                     ///< noise standard deviation, > 0
  double weight_min = 0.5;                    ///< smallest |coefficient| of a parent, >= 0
  double weight_max = 1.5;                    ///< largest |coefficient| of a parent, >= weight_min and > 0
  double treatment_parent_probability = 0.5;  ///< chance that a covariate is a parent of T, in [0, 1]
  double outcome_parent_probability = 0.5;    ///< chance that a covariate is a parent of Y, in [0, 1]
  double confounding_strength = 1;            ///< slope of the logit on the standardised score, >= 0
  double intercept_min = -0.5;                ///< range of the logit's intercept b (sets the share treated)
  double intercept_max = 0.5;                 ///< upper end, >= intercept_min
  double overlap = 0.02;                      ///< propensities clipped into [overlap, 1 - overlap], in [0, 0.5)
  double tau_min = -2;                        ///< range of the constant effect tau0
  double tau_max = 2;                         ///< upper end, >= tau_min
  bool heterogeneous = false;                 ///< tau(x) = tau0 + heterogeneity x (a function of a few covariates)
  Index effect_modifiers = 2;                 ///< covariates tau(x) depends on (at most p), >= 1
  double heterogeneity = 1;                   ///< scale of the varying part of tau(x), >= 0
  double binary_share = 0;                    ///< chance that a covariate is dichotomised, in [0, 1]
  double skewed_share = 0;                    ///< chance that a non-binary covariate is exp-transformed (right-skewed), in [0, 1]
  double heteroscedasticity = 0;              ///< h: outcome noise sd proportional to exp(h tanh(z_k)), in [0, 2]
  /// Return the covariates standardised (z-scores over the sample) instead of raw. The raw
  /// covariates are the default: the structural equations act on standardised parents, so both
  /// carry the same information, and the estimators standardise by default themselves.
  bool standardize = false;

  /// Throws `invalid_input` naming the first bad field ("family.n_min", ...). O(1).
  void validate() const {
    auto require = [](bool ok, const char* field, const std::string& value, const std::string& rule) {
      if (!ok) throw invalid_input(std::string("family.") + field, "is " + value + ", must be " + rule);
    };
    auto finite = [](double v) { return std::isfinite(v); };
    require(n_min >= 10, "n_min", std::to_string(n_min), ">= 10");
    require(n_max >= n_min, "n_max", std::to_string(n_max), ">= n_min = " + std::to_string(n_min));
    require(p_min >= 1, "p_min", std::to_string(p_min), ">= 1");
    require(p_max >= p_min && p_max <= 4096, "p_max", std::to_string(p_max),
            "in [p_min, 4096] = [" + std::to_string(p_min) + ", 4096]");
    require(expected_degree >= 0 && finite(expected_degree), "expected_degree", detail::to_text(expected_degree), "finite and >= 0");
    require(mechanism_name(mechanism) != "unknown", "mechanism", std::to_string(static_cast<int>(mechanism)),
            "linear, nonlinear or mixed");
    require(noise_name(noise) != "unknown", "noise", std::to_string(static_cast<int>(noise)), "gaussian, uniform or laplace");
    require(noise_scale > 0 && finite(noise_scale), "noise_scale", detail::to_text(noise_scale), "finite and > 0");
    require(weight_min >= 0 && finite(weight_min), "weight_min", detail::to_text(weight_min), "finite and >= 0");
    require(weight_max >= weight_min && weight_max > 0 && finite(weight_max), "weight_max", detail::to_text(weight_max),
            "finite, > 0 and >= weight_min");
    require(treatment_parent_probability >= 0 && treatment_parent_probability <= 1, "treatment_parent_probability",
            detail::to_text(treatment_parent_probability), "in [0, 1]");
    require(outcome_parent_probability >= 0 && outcome_parent_probability <= 1, "outcome_parent_probability",
            detail::to_text(outcome_parent_probability), "in [0, 1]");
    require(confounding_strength >= 0 && finite(confounding_strength), "confounding_strength",
            detail::to_text(confounding_strength), "finite and >= 0");
    require(finite(intercept_min), "intercept_min", detail::to_text(intercept_min), "finite");
    require(intercept_max >= intercept_min && finite(intercept_max), "intercept_max", detail::to_text(intercept_max),
            "finite and >= intercept_min");
    require(overlap >= 0 && overlap < 0.5, "overlap", detail::to_text(overlap), "in [0, 0.5)");
    require(finite(tau_min), "tau_min", detail::to_text(tau_min), "finite");
    require(tau_max >= tau_min && finite(tau_max), "tau_max", detail::to_text(tau_max), "finite and >= tau_min");
    require(effect_modifiers >= 1, "effect_modifiers", std::to_string(effect_modifiers), ">= 1");
    require(heterogeneity >= 0 && finite(heterogeneity), "heterogeneity", detail::to_text(heterogeneity), "finite and >= 0");
    require(binary_share >= 0 && binary_share <= 1, "binary_share", detail::to_text(binary_share), "in [0, 1]");
    require(skewed_share >= 0 && skewed_share <= 1, "skewed_share", detail::to_text(skewed_share), "in [0, 1]");
    require(heteroscedasticity >= 0 && heteroscedasticity <= 2, "heteroscedasticity", detail::to_text(heteroscedasticity),
            "in [0, 2]");
  }
};

/// The in-family (training) distribution, equal to the defaults of `SimulationFamily`: n in
/// [200, 1000], p in [5, 20], a sparse DAG (expected degree 2), mixed linear / nonlinear mechanisms,
/// Gaussian noise, confounding strength 1, a constant effect in [-2, 2]. O(1).
/// Example: `auto train = causalattn::simulate_datasets(causalattn::in_family(), 1000, 1);`
template <typename Defer = void>
SimulationFamily in_family() {
  return SimulationFamily{};
}

/// The out-of-family (shifted test) distribution. It differs from `in_family()` in every axis a
/// zero-shot model could overfit to: larger data sets (n in [500, 2000], p in [20, 40]), denser
/// graphs (expected degree 4), only nonlinear mechanisms, heavy-tailed Laplace noise and twice the
/// confounding strength (2, so propensities reach the overlap clip more often). The effect range,
/// weights, overlap and parent probabilities are the same. O(1).
/// Example: `auto test = causalattn::simulate_datasets(causalattn::out_of_family(), 100, 2);`
template <typename Defer = void>
SimulationFamily out_of_family() {
  SimulationFamily f;
  f.n_min = 500;
  f.n_max = 2000;
  f.p_min = 20;
  f.p_max = 40;
  f.expected_degree = 4;
  f.mechanism = Mechanism::nonlinear;
  f.noise = Noise::laplace;
  f.confounding_strength = 2;
  return f;
}

/// One simulated data set with its truth. The potential-outcome means are noiseless:
/// y = mu0 + t (mu1 - mu0) + noise, and the effects are sample averages (SATE, SATT).
/// Example: `auto d = causalattn::simulate_dataset(causalattn::in_family(), 3);  // d.x, d.t, d.y; truth d.ate`
struct SimulatedDataset {
  Matrix<double> x;                     ///< covariates, n x p (raw unless family.standardize)
  Vector<double> t;                     ///< treatment, 0 / 1, at least 2 units in each arm
  Vector<double> y;                     ///< observed outcome
  Vector<double> mu0;                   ///< E[Y(0) | x_i]
  Vector<double> mu1;                   ///< E[Y(1) | x_i]
  Vector<double> propensity;            ///< the true P(T = 1 | x_i) T was drawn with, after clipping
  double ate = 0;                       ///< mean over all units of mu1 - mu0
  double att = 0;                       ///< mean over treated units of mu1 - mu0
  Graph covariate_dag;                  ///< the DAG over the covariates (nodes X1..Xp = columns of x)
  std::vector<Index> treatment_parents;  ///< covariates T depends on, ascending
  std::vector<Index> outcome_parents;    ///< covariates mu0 depends on, ascending
  std::vector<Index> confounders;        ///< parents of both T and Y, ascending, never empty
  std::vector<Index> effect_modifiers;   ///< covariates tau(x) depends on, the first a treatment parent (empty if constant)
  std::vector<Index> binary_covariates;  ///< covariates dichotomised to 0 / 1 (family.binary_share), ascending
  std::vector<Index> skewed_covariates;  ///< covariates exp-transformed (family.skewed_share), ascending
  std::uint64_t seed = 0;               ///< the seed the data set was drawn with
  SimulationFamily family;              ///< the family the data set was drawn from
};

namespace detail {

/// The functions a parent can enter an equation through.
enum class Link { identity, tanh, sine, square, softplus };

/// One parent of an equation: column, coefficient and function.
struct SimulationTerm {
  Index input = 0;
  double weight = 0;
  Link link = Link::identity;
};

/// g(z) for a link; nonlinear links are roughly centred for standardised z. O(1).
template <typename Defer = void>
double apply_link(Link link, double z) {
  switch (link) {
    case Link::identity: return z;
    case Link::tanh: return std::tanh(z);
    case Link::sine: return std::sin(z);
    case Link::square: return (z * z - 1) / std::sqrt(2.0);
    case Link::softplus: return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - std::log(2.0);
  }
  return z;
}

/// A coefficient with a random sign and a size uniform in [weight_min, weight_max]. O(1).
template <typename Defer = void>
double draw_weight(const SimulationFamily& family, Rng& rng) {
  const double sign = rng.bernoulli(0.5) ? 1.0 : -1.0;
  return sign * rng.uniform(family.weight_min, family.weight_max);
}

/// A term for parent `input` under the family's mechanism. O(1).
template <typename Defer = void>
SimulationTerm draw_term(Index input, const SimulationFamily& family, Rng& rng) {
  SimulationTerm term;
  term.input = input;
  term.weight = draw_weight(family, rng);
  const bool nonlinear = family.mechanism == Mechanism::nonlinear || (family.mechanism == Mechanism::mixed && rng.bernoulli(0.5));
  if (nonlinear) term.link = static_cast<Link>(1 + rng.uniform_int(4));
  return term;
}

/// One noise draw with standard deviation `scale`. O(1).
template <typename Defer = void>
double draw_noise(Noise kind, double scale, Rng& rng) {
  switch (kind) {
    case Noise::gaussian: return scale * rng.normal();
    case Noise::uniform: return scale * std::sqrt(3.0) * rng.uniform(-1.0, 1.0);
    case Noise::laplace: {  // difference of two unit exponentials, variance 2
      const double e1 = -std::log1p(-rng.uniform()), e2 = -std::log1p(-rng.uniform());
      return scale * (e1 - e2) / std::sqrt(2.0);
    }
  }
  return 0;
}

/// sum_k w_k g_k(z(:, input_k)) over the terms, for every row of z. O(n |terms|).
template <typename Defer = void>
Vector<double> evaluate_terms(const std::vector<SimulationTerm>& terms, const Matrix<detail::deferred_t<Defer, double>>& z) {
  using Real = detail::deferred_t<Defer, double>;
  Vector<Real> out = Vector<Real>::Zero(z.rows());
  for (const SimulationTerm& term : terms) {
    for (Index i = 0; i < z.rows(); ++i) out(i) += term.weight * apply_link(term.link, z(i, term.input));
  }
  return out;
}

/// v minus its mean, divided by its standard deviation (divisor n); all zeros if v is constant. O(n).
template <typename Defer = void>
Vector<double> standardized(const Vector<detail::deferred_t<Defer, double>>& v) {
  using Real = detail::deferred_t<Defer, double>;
  const double mean = v.mean();
  const Vector<Real> centred = v.array() - mean;
  const double sd = std::sqrt(centred.squaredNorm() / double(v.size()));
  if (!(sd > 0) || !std::isfinite(sd)) return Vector<Real>::Zero(v.size());
  return centred / sd;
}

/// A random subset of {0, ..., p-1}, each member with probability `probability`, never empty (a
/// uniform member is taken if none was drawn). Ascending. O(p).
template <typename Defer = void>
std::vector<Index> draw_subset(Index p, double probability, Rng& rng) {
  std::vector<Index> subset;
  for (Index j = 0; j < p; ++j)
    if (rng.bernoulli(probability)) subset.push_back(j);
  if (subset.empty()) subset.push_back(Index(rng.uniform_int(std::uint64_t(p))));
  return subset;
}

/// T_i ~ Bernoulli(propensity_i) from `rng`, redrawn while an arm has fewer than 2 units; after 100
/// draws throws `numerical_error` starting with `who` and ending with `advice`. O(n) per draw.
template <typename Defer = void>
Vector<double> draw_treatment(const Vector<detail::deferred_t<Defer, double>>& propensity, Rng& rng, const std::string& who,
                              const std::string& advice) {
  const Index n = propensity.size();
  Vector<detail::deferred_t<Defer, double>> t(n);
  for (int attempt = 0; attempt < 100; ++attempt) {
    for (Index i = 0; i < n; ++i) t(i) = rng.bernoulli(propensity(i)) ? 1 : 0;
    const double treated = t.sum();
    if (treated >= 2 && double(n) - treated >= 2) return t;
  }
  throw numerical_error(who + ": 100 draws of the treatment left an arm with fewer than 2 units" + advice);
}

}  // namespace detail

/// Draws one data set of `family` (model in the file comment) with everything taken from
/// `Rng(seed)`, so (family, seed) always gives the same data set on every platform. Structural
/// equations read their parents standardised over the sample, so a variable's spread depends on its
/// number of parents and the weights but never grows with the depth of the DAG. If a draw of T leaves fewer than 2 units
/// in an arm, T is redrawn from the same stream (at most 100 times, then `numerical_error`: only
/// possible with overlap near 0). Throws `invalid_input` for an invalid family.
/// O(n p (1 + expected_degree) + p^2).
/// Example:
/// \code
///   auto d = causalattn::simulate_dataset(causalattn::in_family(), 42);
///   causalattn::TreatmentData<double> data(d.x, d.t, d.y);
///   double error = causalattn::aipw(data).estimate - d.ate;
/// \endcode
template <typename Defer = void>
SimulatedDataset simulate_dataset(const SimulationFamily& family, std::uint64_t seed) {
  using Real = detail::deferred_t<Defer, double>;
  family.validate();
  Rng rng(seed);
  detail::deferred_t<Defer, SimulatedDataset> d;
  d.seed = seed;
  d.family = family;
  const Index n = family.n_min + Index(rng.uniform_int(std::uint64_t(family.n_max - family.n_min + 1)));
  const Index p = family.p_min + Index(rng.uniform_int(std::uint64_t(family.p_max - family.p_min + 1)));

  // The covariate DAG in a random topological order, with each node's equation.
  std::vector<Index> order(static_cast<std::size_t>(p));
  std::iota(order.begin(), order.end(), Index(0));
  rng.shuffle(order.begin(), order.end());
  d.covariate_dag = Graph(p);
  const double edge_probability = p > 1 ? std::min(1.0, family.expected_degree / double(p - 1)) : 0.0;
  std::vector<std::vector<detail::SimulationTerm>> equations(static_cast<std::size_t>(p));
  for (std::size_t later = 1; later < order.size(); ++later) {
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      if (!rng.bernoulli(edge_probability)) continue;
      d.covariate_dag.add_directed(order[earlier], order[later]);
      equations[static_cast<std::size_t>(order[later])].push_back(detail::draw_term(order[earlier], family, rng));
    }
  }

  // Parents of T and Y, with at least one confounder.
  d.treatment_parents = detail::draw_subset(p, family.treatment_parent_probability, rng);
  d.outcome_parents = detail::draw_subset(p, family.outcome_parent_probability, rng);
  std::set_intersection(d.treatment_parents.begin(), d.treatment_parents.end(), d.outcome_parents.begin(),
                        d.outcome_parents.end(), std::back_inserter(d.confounders));
  if (d.confounders.empty()) {
    const Index shared = d.treatment_parents[std::size_t(rng.uniform_int(d.treatment_parents.size()))];
    d.outcome_parents.insert(std::lower_bound(d.outcome_parents.begin(), d.outcome_parents.end(), shared), shared);
    d.confounders.push_back(shared);
  }
  std::vector<detail::SimulationTerm> score_terms, outcome_terms, effect_terms;
  for (const Index j : d.treatment_parents) score_terms.push_back({j, detail::draw_weight(family, rng), detail::Link::identity});
  const double intercept = rng.uniform(family.intercept_min, family.intercept_max);
  for (const Index j : d.outcome_parents) outcome_terms.push_back(detail::draw_term(j, family, rng));
  const double tau0 = rng.uniform(family.tau_min, family.tau_max);
  if (family.heterogeneous) {
    const Index modifiers = std::min(family.effect_modifiers, p);
    const Index first = d.treatment_parents[std::size_t(rng.uniform_int(d.treatment_parents.size()))];
    std::vector<Index> others;
    for (Index j = 0; j < p; ++j)
      if (j != first) others.push_back(j);
    rng.shuffle(others.begin(), others.end());
    d.effect_modifiers.push_back(first);
    d.effect_modifiers.insert(d.effect_modifiers.end(), others.begin(), others.begin() + (modifiers - 1));
    for (const Index j : d.effect_modifiers) effect_terms.push_back(detail::draw_term(j, family, rng));
  }

  // Covariates in topological order; z holds their standardised values.
  d.x.resize(n, p);
  Matrix<Real> z(n, p);
  for (const Index j : order) {
    Vector<Real> column = detail::evaluate_terms(equations[static_cast<std::size_t>(j)], z);
    for (Index i = 0; i < n; ++i) column(i) += detail::draw_noise(family.noise, family.noise_scale, rng);
    if (family.binary_share > 0 && rng.bernoulli(family.binary_share)) {
      const double cut = rng.uniform(-1.0, 1.0);
      const Vector<Real> dichotomised = (detail::standardized(column).array() > cut).template cast<Real>();
      const double ones = dichotomised.sum();
      if (ones >= 1 && ones <= double(n) - 1) {  // a constant column would carry nothing; it stays continuous
        column = dichotomised;
        d.binary_covariates.push_back(j);
      }
    } else if (family.skewed_share > 0 && rng.bernoulli(family.skewed_share)) {
      column = (rng.uniform(0.5, 1.0) * detail::standardized(column).array().asinh()).exp().matrix();
      d.skewed_covariates.push_back(j);
    }
    d.x.col(j) = column;
    z.col(j) = detail::standardized(column);
  }
  std::sort(d.binary_covariates.begin(), d.binary_covariates.end());
  std::sort(d.skewed_covariates.begin(), d.skewed_covariates.end());

  // Treatment.
  const Vector<Real> score = detail::standardized(detail::evaluate_terms(score_terms, z));
  d.propensity.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double e = 1 / (1 + std::exp(-(family.confounding_strength * score(i) + intercept)));
    d.propensity(i) = std::clamp(e, family.overlap, 1 - family.overlap);
  }
  d.t = detail::draw_treatment(d.propensity, rng, "simulate_dataset: seed " + std::to_string(seed), " (raise family.overlap)");

  // Outcome.
  d.mu0 = detail::evaluate_terms(outcome_terms, z);
  const Vector<Real> tau = (tau0 + family.heterogeneity * detail::evaluate_terms(effect_terms, z).array()).matrix();
  d.mu1 = d.mu0 + tau;
  Vector<Real> noise_scale = Vector<Real>::Constant(n, family.noise_scale);
  if (family.heteroscedasticity > 0) {
    const double h = family.heteroscedasticity;
    const Index driver = d.outcome_parents[std::size_t(rng.uniform_int(d.outcome_parents.size()))];
    noise_scale = (h * z.col(driver).array().tanh()).exp().matrix();
    noise_scale *= family.noise_scale / std::sqrt(noise_scale.squaredNorm() / double(n));
  }
  d.y.resize(n);
  for (Index i = 0; i < n; ++i) d.y(i) = d.mu0(i) + d.t(i) * tau(i) + detail::draw_noise(family.noise, noise_scale(i), rng);
  d.ate = tau.mean();
  d.att = d.t.dot(tau) / d.t.sum();
  if (family.standardize) d.x = z;
  return d;
}

/// Draws `count` data sets of `family`, data set i from the seed `Rng(seed).substream(i).seed()`
/// (so element i equals `simulate_dataset(family, Rng(seed).substream(i).seed())`), on up to
/// `threads` threads (0 = all): the result is identical for any thread count. Throws
/// `invalid_input` for an invalid family or a negative `threads`; a `numerical_error` of the lowest
/// failing data set is rethrown. O(count x the cost of one data set).
/// Example:
/// \code
///   auto train = causalattn::simulate_datasets(causalattn::in_family(), 512, 2024);
///   auto shifted = causalattn::simulate_datasets(causalattn::out_of_family(), 64, 2025, 2);
/// \endcode
template <typename Defer = void>
std::vector<SimulatedDataset> simulate_datasets(const SimulationFamily& family, std::size_t count, std::uint64_t seed,
                                                int threads = 0) {
  family.validate();
  resolve_threads(threads);
  const Rng root(seed);
  std::vector<SimulatedDataset> out(count);
  parallel_for(std::ptrdiff_t(0), std::ptrdiff_t(count), threads, [&](std::ptrdiff_t i) {
    out[std::size_t(i)] = simulate_dataset(family, root.substream(std::uint64_t(i)).seed());
  });
  return out;
}

}  // namespace causalattn
