// Accuracy program of issues [6/7] and [5/8]: for every estimator on the same data, the mean
// absolute error of the effect estimate (+- its standard error over data sets), the coverage of its
// 95% interval, and seconds per data set; for the per-unit (CATE) methods, PEHE. Settings:
//   (a) held-out in-family simulated data sets, (b) out-of-family ones, (c) IHDP replications 1-10
//   and (c') 11-50 (ATE truth = mean(mu1 - mu0); both for reporting only), (d) Lalonde PSID and
//   CPS (ATT against the experimental $1794), (e) Kang-Schafer data sets of 1000 units (misspecified transforms; effect 0), (f) held-out
//   data sets of the broad prior (`simulate_prior_datasets`: n 50-5000, p 1-50, heterogeneous
//   effects, weak overlap, binary and skewed covariates).
//
//   accuracy_cina [datasets=200] [threads=0] [model=the shipped CInA-ZS model, "" for it] [methods=all, "" for all]
//                 [seeds=report]
//
// `methods` is a comma-separated subset of the row names (e.g. "naive,CInA-ZS"). `datasets` is
// the count of each simulated setting (a), (b), (e), (f).
// Data sets run in parallel (`threads`), each estimator single-threaded inside, so the seconds are
// one core's time with `threads` data sets in flight. An estimator that throws on a data set (e.g.
// IPW on a separated propensity fit) is counted under "failed" and left out of its mean. Seeds are
// fixed and printed: in-family 777, out-of-family 778, prior 779, Kang-Schafer 780. With `seeds`
// "validation" the simulated settings draw from the validation seeds instead (in-family 782,
// out-of-family 790, prior 781, Kang-Schafer 791, disjoint from the reporting ones) and the real
// data sets are not run: that mode is for choosing settings, the default for reporting them.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/effects.hpp"
#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {

/// One estimator: a name and how it runs on a data set for an estimand.
struct Method {
  std::string name;
  std::function<ca::EffectEstimate(const ca::TreatmentData<double>&, const ca::EffectOptions&)> run;
  Index max_units;      ///< larger data sets are skipped for the ATE (O(n^2) memory), reported as n/a
  Index max_units_att;  ///< the same for the ATT
};

/// A per-unit (CATE) estimator: a name and how it runs on a data set.
struct CateMethod {
  std::string name;
  std::function<ca::CateEstimate(const ca::TreatmentData<double>&, const ca::EffectOptions&)> run;
};

/// A data set with its truth: the estimand's value and, where known, every unit's mu1 - mu0.
struct Case {
  ca::Matrix<double> x;
  ca::Vector<double> t, y;
  double truth = 0;
  ca::Vector<double> unit_effects;
};

/// One column of the table: its data sets and the estimand's options.
struct Setting {
  const char* name;
  const std::vector<Case>& cases;
  const ca::EffectOptions& options;
};

/// Errors, interval coverage and times of one method on one setting.
struct Cell {
  std::vector<double> error, seconds;
  int failed = 0, skipped = 0, covered = 0;
};

Case case_of(const ca::SimulatedDataset& d) { return {d.x, d.t, d.y, d.ate, d.mu1 - d.mu0}; }

std::vector<Case> simulated(const ca::SimulationFamily& family, std::size_t count, std::uint64_t seed) {
  std::vector<Case> out;
  for (auto& d : ca::simulate_datasets(family, count, seed)) out.push_back(case_of(d));
  return out;
}

std::vector<Case> prior(std::size_t count, std::uint64_t seed) {
  std::vector<Case> out;
  for (auto& d : ca::simulate_prior_datasets(count, seed)) out.push_back(case_of(d));
  return out;
}

std::vector<Case> kang_schafer(std::size_t count, std::uint64_t seed) {
  std::vector<Case> out;
  const ca::Rng root(seed);
  for (std::size_t i = 0; i < count; ++i) out.push_back(case_of(ca::kang_schafer_dataset(1000, root.substream(i).seed())));
  return out;
}

/// IHDP replications first..last (examples/data/ihdp).
std::vector<Case> ihdp(const std::string& data, int first, int last) {
  std::vector<Case> out;
  for (int rep = first; rep <= last; ++rep) {
    const auto table = ca::read_csv<double>(data + "/ihdp/ihdp_npci_" + std::to_string(rep) + ".csv");
    auto column = [&](const std::string& name) {
      for (std::size_t j = 0; j < table.names.size(); ++j)
        if (table.names[j] == name) return Index(j);
      throw std::runtime_error("IHDP file lacks " + name);
    };
    Case c;
    c.t = table.data.col(column("treatment"));
    c.y = table.data.col(column("y_factual"));
    c.x = table.data.block(0, column("x1"), table.data.rows(), 25);
    c.unit_effects = table.data.col(column("mu1")) - table.data.col(column("mu0"));
    c.truth = c.unit_effects.mean();
    out.push_back(std::move(c));
  }
  return out;
}

Case lalonde(const std::string& file) {
  ca::CsvOptions columns;
  columns.columns = {"treat", "re78", "age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  const auto table = ca::read_csv<double>(file, columns);
  return {table.data.rightCols(8), table.data.col(0), table.data.col(1), 1794.34, {}};
}

Cell evaluate(const Method& m, const std::vector<Case>& cases, const ca::EffectOptions& options, int threads) {
  Cell cell;
  std::vector<double> error(cases.size(), NAN), seconds(cases.size(), NAN);
  std::vector<int> status(cases.size(), 0);  // 0 ok, 1 failed, 2 skipped
  std::vector<char> covered(cases.size(), 0);
  ca::parallel_for(std::size_t(0), cases.size(), threads, [&](std::size_t k) {
    const Case& c = cases[k];
    if (c.x.rows() > (options.estimand == ca::Estimand::att ? m.max_units_att : m.max_units)) {
      status[k] = 2;
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
      const ca::EffectEstimate r = m.run(ca::TreatmentData<double>(c.x, c.t, c.y), options);
      error[k] = std::abs(r.estimate - c.truth);
      covered[k] = r.ci_low <= c.truth && c.truth <= r.ci_high;
      seconds[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } catch (const std::exception&) {
      status[k] = 1;
    }
  });
  for (std::size_t k = 0; k < cases.size(); ++k) {
    if (status[k] == 1) ++cell.failed;
    if (status[k] == 2) ++cell.skipped;
    if (status[k] == 0) {
      cell.error.push_back(error[k]);
      cell.covered += covered[k];
      cell.seconds.push_back(seconds[k]);
    }
  }
  return cell;
}

std::string mae(const Cell& c) {
  if (c.error.empty()) return c.skipped ? "n/a" : c.failed ? "all failed" : "not run";
  double mean = 0;
  for (double e : c.error) mean += e / double(c.error.size());
  double var = 0;
  for (double e : c.error) var += (e - mean) * (e - mean) / double(std::max<std::size_t>(1, c.error.size() - 1));
  char buffer[96];
  if (c.error.size() > 1) std::snprintf(buffer, sizeof buffer, "%.3f +- %.3f", mean, std::sqrt(var / double(c.error.size())));
  else std::snprintf(buffer, sizeof buffer, "%.0f", mean);
  std::string out = buffer;
  if (c.failed) out += " (" + std::to_string(c.failed) + " failed)";
  return out;
}

/// PEHE of a CATE method on every case (as `evaluate`, with PEHE as the error).
Cell evaluate_cate(const CateMethod& m, const std::vector<Case>& cases, const ca::EffectOptions& options, int threads) {
  Cell cell;
  std::vector<double> error(cases.size(), NAN), seconds(cases.size(), NAN);
  ca::parallel_for(std::size_t(0), cases.size(), threads, [&](std::size_t k) {
    const Case& c = cases[k];
    const auto start = std::chrono::steady_clock::now();
    try {
      error[k] = ca::pehe(m.run(ca::TreatmentData<double>(c.x, c.t, c.y), options).effect, c.unit_effects);
      seconds[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } catch (const std::exception&) {
    }
  });
  for (std::size_t k = 0; k < cases.size(); ++k) {
    if (std::isnan(error[k])) ++cell.failed;
    else cell.error.push_back(error[k]), cell.seconds.push_back(seconds[k]);
  }
  return cell;
}

std::string coverage(const Cell& c) {
  if (c.error.empty()) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f%% (%zu)", 100.0 * c.covered / double(c.error.size()), c.error.size());
  return buffer;
}

double mean_seconds(const std::vector<Cell>& cells) {
  double total = 0;
  std::size_t count = 0;
  for (const auto& c : cells)
    for (double s : c.seconds) total += s, ++count;
  return count ? total / double(count) : NAN;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  const std::string seeds = argc > 5 ? argv[5] : "report";
  if (seeds != "report" && seeds != "validation") {
    std::cerr << "error: seeds is \"" << seeds << "\", must be report or validation\n";
    return 2;
  }
  const bool validation = seeds == "validation";
  try {
    const auto model = ca::CinaZsModel<float>::load_default(argc > 3 ? argv[3] : "");
    const std::string only = argc > 4 && std::string(argv[4]) != "" ? "," + std::string(argv[4]) + "," : "";
    const std::string data = CAUSALATTN_DATA_DIR;
    const std::vector<Method> methods = {
        {"naive", [](const auto& d, const auto& o) { return ca::difference_in_means(d, o); }, 1 << 30, 1 << 30},
        {"OLS", [](const auto& d, const auto& o) { return ca::regression_adjustment(d, o); }, 1 << 30, 1 << 30},
        {"IPW", [](const auto& d, const auto& o) { return ca::ipw(d, o); }, 1 << 30, 1 << 30},
        {"AIPW", [](const auto& d, const auto& o) { return ca::aipw(d, o); }, 1 << 30, 1 << 30},
        {"entropy balancing", [](const auto& d, const auto& o) { return ca::entropy_balancing(d, o); }, 1 << 30, 1 << 30},
        {"kernel balancing (SMO, SVM dual)",
         [](const auto& d, const auto& o) {
           ca::EffectOptions dual = o;
           dual.kernel_ate_weights = ca::KernelAteWeights::svm_dual;
           return ca::kernel_balancing(d, dual);
         },
         5000, 5000},
        {"kernel balancing (SMO, full sample)", [](const auto& d, const auto& o) { return ca::kernel_balancing(d, o); }, 5000,
         5000},
        {"CInA", [](const auto& d, const auto& o) { return ca::cina(d, o); }, 5000, 5000},
        {"CInA-ZS", [&model](const auto& d, const auto& o) { return ca::cina_zs(model, d, o); }, 1 << 30,
         model.outcome_head() ? 1 << 30 : 5000},
        {"CInA-ZS doubly robust",
         [&model](const auto& d, const auto& o) {
           ca::EffectOptions both = o;
           both.cina_zs_estimate = ca::CinaZsEstimate::doubly_robust;
           return ca::cina_zs(model, d, both);
         },
         1 << 30, 0},  // ATE only: the ATT columns read n/a
        {"CInA-ZS weighting",
         [&model](const auto& d, const auto& o) {
           ca::EffectOptions weights = o;
           weights.cina_zs_estimate = ca::CinaZsEstimate::weighting;  // calibrated on means and second moments
           return ca::cina_zs(model, d, weights);
         },
         1 << 30, 5000},
        {"CInA-ZS means calibration",
         [&model](const auto& d, const auto& o) {
           ca::EffectOptions means = o;
           means.cina_zs_estimate = ca::CinaZsEstimate::weighting;
           means.cina_zs_calibration = ca::CinaZsCalibration::means;
           return ca::cina_zs(model, d, means);
         },
         1 << 30, 5000},
        {"CInA-ZS uncalibrated",
         [&model](const auto& d, const auto& o) {
           ca::EffectOptions raw = o;
           raw.cina_zs_estimate = ca::CinaZsEstimate::weighting;
           raw.cina_zs_calibration = ca::CinaZsCalibration::none;  // the network's weights alone (same ATT: calibration is ATE only)
           return ca::cina_zs(model, d, raw);
         },
         1 << 30, 5000},
    };
    const std::vector<CateMethod> cate_methods = {
        {"T-learner (OLS)", [](const auto& d, const auto& o) { return ca::t_learner(d, o); }},
        {"CInA-ZS (outcome head)", [&model](const auto& d, const auto& o) { return ca::cina_zs_cate(model, d, o); }},
    };
    const std::uint64_t in_seed = validation ? 782 : 777, out_seed = validation ? 790 : 778;
    const std::uint64_t prior_seed = validation ? 781 : 779, ks_seed = validation ? 791 : 780;
    std::printf(
        "accuracy_cina: %zu simulated data sets per simulated setting (%s seeds %llu in-family, %llu out-of-family, "
        "%llu prior, %llu Kang-Schafer%s), threads %d\n",
        count, seeds.c_str(), (unsigned long long)in_seed, (unsigned long long)out_seed, (unsigned long long)prior_seed,
        (unsigned long long)ks_seed, validation ? "; real data sets not run" : "", threads);
    const std::vector<Case> in = simulated(ca::in_family(), count, in_seed),
                            out = simulated(ca::out_of_family(), count, out_seed);
    const std::vector<Case> broad = prior(count, prior_seed), ks = kang_schafer(count, ks_seed);
    std::vector<Case> ihdp_cases, ihdp_more, psid, cps;
    if (!validation) {
      ihdp_cases = ihdp(data, 1, 10);
      ihdp_more = ihdp(data, 11, 50);
      psid = {lalonde(data + "/lalonde/lalonde_dw_psid.csv")};
      cps = {lalonde(data + "/lalonde/lalonde_dw_cps.csv")};
    }
    ca::EffectOptions ate, att;
    ate.threads = att.threads = 1;
    att.estimand = ca::Estimand::att;
    const Setting settings[] = {{"in-family", in, ate},    {"out-of-family", out, ate},
                                {"IHDP", ihdp_cases, ate}, {"PSID", psid, att},
                                {"CPS", cps, att},         {"Kang-Schafer", ks, ate},
                                {"prior", broad, ate},     {"IHDP 11-50", ihdp_more, ate}};
    auto selected = [&only](const std::string& name) { return only.empty() || only.find("," + name + ",") != std::string::npos; };
    std::vector<std::pair<std::string, std::vector<Cell>>> rows;
    std::printf(
        "\n| method | (a) in-family MAE | (b) out-of-family MAE | (c) IHDP 1-10 MAE | (c') IHDP 11-50 MAE | (d) PSID ATT error "
        "| (d) CPS ATT error | (e) Kang-Schafer MAE | (f) prior MAE | s / data set |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& m : methods) {
      if (!selected(m.name)) continue;
      std::vector<Cell> cells;
      for (const Setting& setting : settings) {
        cells.push_back(evaluate(m, setting.cases, setting.options, threads));
        // Progress on stderr (the tables on stdout stay clean): slow methods take minutes per setting.
        std::fprintf(stderr, "  %s, %s: %s\n", m.name.c_str(), setting.name, mae(cells.back()).c_str());
      }
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.4f |\n", m.name.c_str(), mae(cells[0]).c_str(),
                  mae(cells[1]).c_str(), mae(cells[2]).c_str(), mae(cells[7]).c_str(), mae(cells[3]).c_str(),
                  mae(cells[4]).c_str(), mae(cells[5]).c_str(), mae(cells[6]).c_str(), mean_seconds(cells));
      std::fflush(stdout);
      rows.emplace_back(m.name, std::move(cells));
    }
    std::printf("\nCoverage of the 95%% interval (share of the data sets an estimator ran on):\n\n");
    std::printf(
        "| method | (a) in-family | (b) out-of-family | (c) IHDP 1-10 | (c') IHDP 11-50 | (e) Kang-Schafer | (f) prior |\n"
        "|---|---|---|---|---|---|---|\n");
    for (const auto& [name, cells] : rows) {
      std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", name.c_str(), coverage(cells[0]).c_str(), coverage(cells[1]).c_str(),
                  coverage(cells[2]).c_str(), coverage(cells[7]).c_str(), coverage(cells[5]).c_str(), coverage(cells[6]).c_str());
    }
    std::printf(
        "\nPer-unit effects: PEHE (root mean squared error of tau(x_i) against mu1 - mu0), mean +- s.e. over data sets:\n\n");
    std::printf(
        "| method | (a) in-family | (b) out-of-family | (c) IHDP 1-10 | (c') IHDP 11-50 | (e) Kang-Schafer | (f) prior | s / data set "
        "|\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (const auto& m : cate_methods) {
      if (!selected(m.name)) continue;
      std::vector<Cell> cells;
      for (const Setting* setting : {&settings[0], &settings[1], &settings[2], &settings[7], &settings[5], &settings[6]}) {
        cells.push_back(evaluate_cate(m, setting->cases, setting->options, threads));
      }
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %.4f |\n", m.name.c_str(), mae(cells[0]).c_str(), mae(cells[1]).c_str(),
                  mae(cells[2]).c_str(), mae(cells[3]).c_str(), mae(cells[4]).c_str(), mae(cells[5]).c_str(),
                  mean_seconds(cells));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
