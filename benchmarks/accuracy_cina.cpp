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
// When CInA-ZS and another method run, a paired table compares the default, CInA-ZS, with every
// other method run, data set by data set (the mean difference of absolute errors, its standard
// error, and how often CInA-ZS was closer), with IHDP 1-10 and 11-50 also pooled as 1-50.
// Data sets run in parallel (`threads`), each estimator single-threaded inside, so the seconds are
// one core's time with `threads` data sets in flight. An estimator that throws on a data set (e.g.
// IPW on a separated propensity fit) is counted under "failed" and left out of its mean. Seeds are
// fixed and printed: in-family 777, out-of-family 778, prior 779, Kang-Schafer 780. With `seeds`
// "validation" the simulated settings draw from the validation seeds instead (in-family 782,
// out-of-family 790, prior 781, Kang-Schafer 791, disjoint from the reporting ones) and the real
// data sets are not run: that mode is for choosing settings, the default for reporting them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
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

/// One column of the tables: its name, its heading and data sets, and the estimand's options.
struct Setting {
  const char* name;
  const char* heading;
  const std::vector<Case>& cases;
  const ca::EffectOptions& options;
};

/// Errors, interval coverage and times of one method on one setting; `by_case` (filled by
/// `evaluate`) holds every case's error in case order, NaN where the method failed or was skipped,
/// for paired comparisons.
struct Cell {
  std::vector<double> error, seconds, by_case;
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
  cell.by_case = std::move(error);
  return cell;
}

/// The mean of `values` (non-empty) and its standard error (sample variance over n; 0 for one value).
std::pair<double, double> mean_with_error(const std::vector<double>& values) {
  const double n = double(values.size());
  double mean = 0, var = 0;
  for (double v : values) mean += v / n;
  for (double v : values) var += (v - mean) * (v - mean) / std::max(1.0, n - 1);
  return {mean, std::sqrt(var / n)};
}

std::string mae(const Cell& c) {
  if (c.error.empty()) return c.skipped ? "n/a" : c.failed ? "all failed" : "not run";
  const auto [mean, error] = mean_with_error(c.error);
  char buffer[96];
  if (c.error.size() > 1) std::snprintf(buffer, sizeof buffer, "%.3f +- %.3f", mean, error);
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

/// The paired comparison of `reference` against `other` (errors of the same cases, in case order,
/// NaN where a method did not run) over the cases both ran on: the mean of |error of reference| -
/// |error of other| +- its standard error, and how often the reference was strictly closer.
/// Negative means the reference was closer on average.
std::string paired(const std::vector<double>& reference, const std::vector<double>& other) {
  std::vector<double> difference;
  int closer = 0;
  for (std::size_t k = 0; k < reference.size() && k < other.size(); ++k) {
    if (std::isnan(reference[k]) || std::isnan(other[k])) continue;
    difference.push_back(reference[k] - other[k]);
    closer += reference[k] < other[k];
  }
  if (difference.size() < 2) return "n/a";
  const auto [mean, error] = mean_with_error(difference);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%+.3f +- %.3f (%d/%zu)", mean, error, closer, difference.size());
  return buffer;
}

/// The per-case errors of two cells of one method, the cases of `first` then those of `second`
/// (IHDP 1-10 and 11-50 as 1-50).
std::vector<double> joined_errors(const Cell& first, const Cell& second) {
  std::vector<double> out = first.by_case;
  out.insert(out.end(), second.by_case.begin(), second.by_case.end());
  return out;
}

/// The mean seconds per data set over every run of `cells`, as the tables print it.
std::string mean_seconds(const std::vector<Cell>& cells) {
  double total = 0;
  std::size_t count = 0;
  for (const auto& c : cells)
    for (double s : c.seconds) total += s, ++count;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", count ? total / double(count) : NAN);
  return buffer;
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
    const std::size_t ihdp_first = 2, ihdp_rest = 3;  // IHDP 1-10 and 11-50 in `settings`
    const std::vector<Setting> settings = {
        {"in-family", "(a) in-family", in, ate},       {"out-of-family", "(b) out-of-family", out, ate},
        {"IHDP", "(c) IHDP 1-10", ihdp_cases, ate},    {"IHDP 11-50", "(c') IHDP 11-50", ihdp_more, ate},
        {"PSID", "(d) PSID ATT error", psid, att},     {"CPS", "(d) CPS ATT error", cps, att},
        {"Kang-Schafer", "(e) Kang-Schafer", ks, ate}, {"prior", "(f) prior", broad, ate}};
    // Columns: the settings that have data sets (validation mode runs no real data); the coverage,
    // PEHE and paired tables show the ATE settings only.
    std::vector<std::size_t> columns, ate_columns;
    for (std::size_t s = 0; s < settings.size(); ++s) {
      if (settings[s].cases.empty()) continue;
      columns.push_back(s);
      if (settings[s].options.estimand == ca::Estimand::ate) ate_columns.push_back(s);
    }
    auto print_row = [](const std::vector<std::string>& cells) {
      std::string text = "|";
      for (const auto& c : cells) text += " " + c + " |";
      std::printf("%s\n", text.c_str());
      std::fflush(stdout);
    };
    // A table's heading and rule: "method", the shown settings (ATE ones with `suffix`), then `extra` columns.
    auto print_header = [&](const std::vector<std::size_t>& shown, const std::string& suffix,
                            const std::vector<std::string>& extra) {
      std::vector<std::string> head = {"method"};
      for (std::size_t s : shown)
        head.push_back(settings[s].heading + (settings[s].options.estimand == ca::Estimand::ate ? suffix : ""));
      head.insert(head.end(), extra.begin(), extra.end());
      print_row(head);
      print_row(std::vector<std::string>(head.size(), "---"));
    };
    auto selected = [&only](const std::string& name) { return only.empty() || only.find("," + name + ",") != std::string::npos; };
    std::vector<std::pair<std::string, std::vector<Cell>>> rows;
    std::printf("\n");
    print_header(columns, " MAE", {"s / data set"});
    for (const auto& m : methods) {
      if (!selected(m.name)) continue;
      std::vector<Cell> cells(settings.size());
      std::vector<std::string> line = {m.name};
      for (std::size_t s : columns) {
        cells[s] = evaluate(m, settings[s].cases, settings[s].options, threads);
        // Progress on stderr (the tables on stdout stay clean): slow methods take minutes per setting.
        std::fprintf(stderr, "  %s, %s: %s\n", m.name.c_str(), settings[s].name, mae(cells[s]).c_str());
        line.push_back(mae(cells[s]));
      }
      line.push_back(mean_seconds(cells));
      print_row(line);
      rows.emplace_back(m.name, std::move(cells));
    }
    std::printf("\nCoverage of the 95%% interval (share of the data sets an estimator ran on):\n\n");
    print_header(ate_columns, "", {});
    for (const auto& [name, cells] : rows) {
      std::vector<std::string> line = {name};
      for (std::size_t s : ate_columns) line.push_back(coverage(cells[s]));
      print_row(line);
    }
    const std::string reference = "CInA-ZS";
    const auto reference_row = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == reference; });
    const bool ihdp_both = !ihdp_cases.empty() && !ihdp_more.empty();
    if (reference_row != rows.end() && rows.size() > 1) {
      std::printf(
          "\nPaired against %s (the default), data set by data set: mean of |error of %s| - |error of the method| +- "
          "its s.e. (negative: %s closer), and (data sets where %s was closer / data sets both ran on):\n\n",
          reference.c_str(), reference.c_str(), reference.c_str(), reference.c_str());
      print_header(ate_columns, "", ihdp_both ? std::vector<std::string>{"(c + c') IHDP 1-50"} : std::vector<std::string>{});
      const std::vector<Cell>& ours = reference_row->second;
      for (const auto& [name, cells] : rows) {
        if (name == reference) continue;
        std::vector<std::string> line = {name};
        for (std::size_t s : ate_columns) line.push_back(paired(ours[s].by_case, cells[s].by_case));
        if (ihdp_both) {
          line.push_back(
              paired(joined_errors(ours[ihdp_first], ours[ihdp_rest]), joined_errors(cells[ihdp_first], cells[ihdp_rest])));
        }
        print_row(line);
      }
    }
    std::printf(
        "\nPer-unit effects: PEHE (root mean squared error of tau(x_i) against mu1 - mu0), mean +- s.e. over data sets:\n\n");
    print_header(ate_columns, "", {"s / data set"});
    for (const auto& m : cate_methods) {
      if (!selected(m.name)) continue;
      std::vector<Cell> cells;
      std::vector<std::string> line = {m.name};
      for (std::size_t s : ate_columns) {
        cells.push_back(evaluate_cate(m, settings[s].cases, settings[s].options, threads));
        line.push_back(mae(cells.back()));
      }
      line.push_back(mean_seconds(cells));
      print_row(line);
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
