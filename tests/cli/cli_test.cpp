#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "causalattn/core/version.hpp"
#include "causalattn/discovery/attention.hpp"
#include "causalattn/discovery/bootstrap.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"
#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/io/bootstrap_io.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "causalattn/io/graph_io.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/tetrad.hpp"
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/ensemble_attribution.hpp"
#include "causalattn/timeseries/granger.hpp"
#include "causalattn/timeseries/in_context_ar.hpp"
#include "causalattn/timeseries/lagged_model_choice.hpp"
#include "causalattn/timeseries/pcmci.hpp"
#include "causalattn/timeseries/segmented_attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"
#include "commands.hpp"
#include "sanitized.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct Result {
  int code;
  std::string out, err;
};

Result run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = causalattn_cli::run_cli(causalattn_cli::make_registry(), args, out, err);
  return {code, out.str(), err.str()};
}

const std::string data_dir = CAUSALATTN_DATA_DIR;

// An error is one line on stderr, nothing on stdout, exit code 2.
void require_clean_error(const Result& r, const std::string& expected) {
  INFO(r.err);
  REQUIRE(r.code == 2);
  REQUIRE(r.out.empty());
  REQUIRE_THAT(r.err, StartsWith("causalattn: error: ") && Contains(expected));
  REQUIRE(r.err.find('\n') == r.err.size() - 1);
}

}  // namespace

TEST_CASE("help lists every registered command", "[cli]") {
  const auto r = run({"--help"});
  REQUIRE(r.code == 0);
  const auto registry = causalattn_cli::make_registry();
  for (const auto& [name, command] : registry.all()) REQUIRE_THAT(r.out, Contains(name));
  REQUIRE_THAT(run({"describe", "--help"}).out, Contains("usage: causalattn describe"));
}

TEST_CASE("version in text and JSON", "[cli]") {
  REQUIRE_THAT(run({"version"}).out, Contains(ca::version_string()));
  const auto r = run({"--format", "json", "version"});
  REQUIRE(r.code == 0);
  REQUIRE(ca::JsonValue::parse(r.out).at("version").as_string() == ca::version_string());
  REQUIRE(run({"--version"}).out == std::string(ca::version_string()) + "\n");
}

TEST_CASE("describe summarises a bundled file in text and JSON", "[cli]") {
  const std::string path = data_dir + "/lalonde/lalonde_nsw_dw.csv";
  const auto text = run({"describe", path});
  REQUIRE(text.code == 0);
  REQUIRE_THAT(text.out, Contains("445 rows x 12 columns"));
  const auto json = run({"--format=json", "describe", path, "--columns", "treat,re78"});
  REQUIRE(json.code == 0);
  const auto v = ca::JsonValue::parse(json.out);
  REQUIRE(v.at("rows").as_number() == 445);
  const auto& columns = v.at("columns").as_array();
  REQUIRE(columns.size() == 2);
  REQUIRE(columns[0].at("name").as_string() == "treat");
  REQUIRE(columns[0].at("mean").as_number() == Approx(185.0 / 445).epsilon(1e-12));
}

TEST_CASE("convert-graph converts between formats", "[cli]") {
  const auto tetrad = data_dir + "/causal-learn/graph.10.txt";
  const auto r = run({"convert-graph", tetrad, "--to", "dot"});
  REQUIRE(r.code == 0);
  REQUIRE(ca::parse_dot(r.out) == ca::read_tetrad(tetrad));
  const auto out = (std::filesystem::temp_directory_path() / "causalattn_cli_test.json").string();
  REQUIRE(run({"convert-graph", tetrad, "--output", out}).code == 0);
  REQUIRE(ca::read_graph(out, ca::GraphFormat::json) == ca::read_tetrad(tetrad));
  std::filesystem::remove(out);
}

TEST_CASE("every error is one line on stderr with exit code 2", "[cli]") {
  require_clean_error(run({}), "no command given");
  require_clean_error(run({"frobnicate"}), "unknown command 'frobnicate'");
  require_clean_error(run({"--format", "xml", "version"}), "--format must be text or json");
  require_clean_error(run({"--format"}), "needs a value");
  require_clean_error(run({"--verbose", "version"}), "unknown option '--verbose'");
  require_clean_error(run({"describe"}), "usage: causalattn describe");
  require_clean_error(run({"describe", "a.csv", "--colums", "x"}), "unknown option '--colums'");
  require_clean_error(run({"describe", data_dir + "/missing.csv"}), "cannot open file");
  require_clean_error(run({"describe", data_dir + "/lalonde/lalonde_matchit.csv"}), "'NSW1' is not a number");
  require_clean_error(run({"convert-graph", "x.txt", "--to", "gml"}), "'gml' is not a graph format");
  require_clean_error(run({"describe", data_dir + "/lalonde/lalonde_nsw_dw.csv", "--columns"}), "needs a value");
}

TEST_CASE("describe handles columns near the double range", "[cli]") {
  const auto path = (std::filesystem::temp_directory_path() / "causalattn_cli_big.csv").string();
  {
    std::ofstream out(path);
    out << "big,mixed\n1e308,1e200\n1e308,-1e200\n";
  }
  const auto r = run({"--format", "json", "describe", path});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto v = ca::JsonValue::parse(r.out);
  REQUIRE(v.at("columns").as_array()[0].at("mean").as_number() == Approx(1e308));
  REQUIRE(v.at("columns").as_array()[1].at("sd").as_number() == Approx(std::sqrt(2.0) * 1e200));
  std::filesystem::remove(path);
}

TEST_CASE("pc reproduces causal-learn's expected outputs from the command line", "[cli][pc]") {
  const std::string data = data_dir + "/causal-learn/data_linear_10.txt";
  for (const auto& [rule, priority] : {std::pair<int, int>{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, -1}, {2, -1}}) {
    const auto r = run({"pc", "--data", data, "--uc-rule", std::to_string(rule), "--uc-priority", std::to_string(priority),
                        "--format", "causal-learn"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const std::string expected = ca::io::read_file_bytes(data_dir + "/causal-learn/expected/linear_10_pc_fisherz_0.05_stable_" +
                                                             std::to_string(rule) + "_" + std::to_string(priority) + ".txt");
    REQUIRE(ca::parse_int_matrix(r.out) == ca::parse_int_matrix(expected));
  }
  for (const std::string test : {"gsq", "chisq"}) {
    const auto discrete = run({"pc", "--data", data_dir + "/causal-learn/data_discrete_10.txt", "--test", test, "--format",
                               "causal-learn"});
    REQUIRE(ca::parse_int_matrix(discrete.out) ==
            ca::parse_int_matrix(ca::io::read_file_bytes(data_dir + "/causal-learn/expected/discrete_10_pc_" + test +
                                                             "_0.05_stable_0_-1.txt")));
  }
  require_clean_error(run({"pc"}), "pc needs --data");
  require_clean_error(run({"pc", "--data", data, "--uc-rule", "5"}), "--uc-rule must be an integer in [0, 2]");
  require_clean_error(run({"pc", "--data", data, "--alpha", "2"}), "--alpha: is 2");
  require_clean_error(run({"pc", "--data", data, "--test", "hsic"}), "--test must be fisherz, gsq, chisq, kci, rcit or rcot");
  require_clean_error(run({"pc", "--data", data, "--stable", "--original"}), "exclude each other");
}

TEST_CASE("pc and fci --bootstrap equal the API's table, for any thread count", "[cli][pc][bootstrap]") {
  const std::string data = data_dir + "/causal-learn/data_linear_10.txt";
  // 30 resamples of PC and 10 of FCI, 8 and 4 under ASan (to keep the sanitizer run short): the
  // tables equal the API's and each other for any number, and FCI's circle marks appear in both.
  const int resamples = ca::test::sanitized() ? 8 : 30;
  const std::string resamples_flag = std::to_string(resamples);
  const auto table = ca::read_csv<double>(data);
  ca::BootstrapOptions options;
  options.seed = 5;
  ca::PcOptions pc_options;
  pc_options.threads = 1;
  const auto api = ca::bootstrap_graphs_with(
      table.data, resamples,
      [&](const ca::Matrix<double>& r) {
        return ca::pc(ca::FisherZTest(r, ca::PValueConvention::causal_learn), table.names, pc_options).cpdag;
      },
      options, table.names);
  const auto one = run({"pc", "--data", data, "--bootstrap", resamples_flag, "--bootstrap-seed", "5", "--threads", "1"});
  const auto two = run({"pc", "--data", data, "--bootstrap", resamples_flag, "--bootstrap-seed", "5", "--threads", "2"});
  INFO(one.err);
  REQUIRE(one.code == 0);
  REQUIRE(one.out == ca::bootstrap_to_json(api).dump(2) + "\n");
  REQUIRE(two.out == one.out);
  REQUIRE_THAT(one.err, Contains("pc bootstrap: " + resamples_flag + " resamples (seed 5), 0 failed"));
  const auto dot = run({"pc", "--data", data, "--bootstrap", resamples_flag, "--bootstrap-seed", "5", "--format", "dot",
                        "--consensus-frequency", "0.9"});
  REQUIRE(dot.out == ca::bootstrap_to_dot([&] {
            auto strict = options;
            strict.consensus_frequency = 0.9;
            return ca::bootstrap_graphs_with(
                table.data, resamples,
                [&](const ca::Matrix<double>& r) {
                  return ca::pc(ca::FisherZTest(r, ca::PValueConvention::causal_learn), table.names, pc_options).cpdag;
                },
                strict, table.names);
          }()));
  const auto fci = run({"fci", "--data", data, "--bootstrap", ca::test::sanitized() ? "4" : "10", "--format", "dot"});
  REQUIRE(fci.code == 0);
  REQUIRE_THAT(fci.out, StartsWith("digraph causalattn_bootstrap {"));
  REQUIRE_THAT(fci.out, Contains("arrowtail=odot"));
  require_clean_error(run({"pc", "--data", data, "--bootstrap", "0"}), "--bootstrap must be an integer in [1, 1000000]");
  require_clean_error(run({"pc", "--data", data, "--bootstrap", "5", "--consensus-frequency", "0"}),
                      "--consensus-frequency: is 0, must lie in (0, 1]");
  require_clean_error(run({"fci", "--data", data, "--bootstrap", "5", "--format", "tetrad"}), "--format json or dot");
}

TEST_CASE("cdnod and the kernel tests from the command line equal the API and causal-learn", "[cli][cdnod]") {
  const std::string dir = data_dir + "/causal-learn/kci/";
  for (const std::string test : {"fisherz", "kci"}) {
    const auto r = run({"cdnod", "--data", dir + "cdnod_k3.csv", "--context", "c", "--test", test, "--format", "causal-learn"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(ca::parse_int_matrix(r.out) ==
            ca::parse_int_matrix(ca::io::read_file_bytes(dir + "cdnod_k3_" + test + "_expected.txt")));
    REQUIRE_THAT(r.err, Contains("mechanisms changing with c: x"));
  }
  // The context column need not be last: moved to the end, with the same graph.
  const auto table = ca::read_csv<double>(dir + "cdnod_k3.csv");
  std::string moved = "c,x0,x1,x2,x3,x4\n";
  for (ca::Index i = 0; i < table.data.rows(); ++i) {
    moved += ca::detail::to_text(table.data(i, 5));
    for (ca::Index j = 0; j < 5; ++j) moved += "," + ca::detail::to_text(table.data(i, j));
    moved += "\n";
  }
  const std::string moved_path = (std::filesystem::temp_directory_path() / "causalattn_cdnod_moved.csv").string();
  ca::io::write_file_bytes(moved_path, moved);
  const auto first = run({"cdnod", "--data", moved_path, "--context", "c", "--format", "causal-learn"});
  REQUIRE(ca::parse_int_matrix(first.out) ==
          ca::parse_int_matrix(ca::io::read_file_bytes(dir + "cdnod_k3_fisherz_expected.txt")));
  // pc and fci with kci and rcot equal the API's graphs.
  const std::string kci_data = dir + "kci_n150.csv";
  const auto kci_table = ca::read_csv<double>(kci_data);
  ca::KciOptions kci_options;
  kci_options.convention = ca::PValueConvention::causal_learn;
  const auto pc_kci = run({"pc", "--data", kci_data, "--test", "kci", "--format", "causal-learn"});
  REQUIRE(ca::parse_int_matrix(pc_kci.out) ==
          ca::to_causal_learn_matrix(ca::pc(ca::KciTest(kci_table.data, kci_options), kci_table.names).cpdag));
  ca::RffOptions rff;
  rff.seed = 9;
  const auto fci_rcot = run({"fci", "--data", kci_data, "--test", "rcot", "--seed", "9", "--format", "causal-learn"});
  REQUIRE(ca::parse_int_matrix(fci_rcot.out) ==
          ca::to_causal_learn_matrix(ca::fci(ca::RcotTest(kci_table.data, rff), kci_table.names).pag));
  const auto pc_rcit = run({"pc", "--data", kci_data, "--test", "rcit", "--format", "causal-learn"});
  REQUIRE(ca::parse_int_matrix(pc_rcit.out) ==
          ca::to_causal_learn_matrix(ca::pc(ca::RcitTest(kci_table.data), kci_table.names).cpdag));

  require_clean_error(run({"cdnod", "--data", dir + "cdnod_k3.csv"}), "cdnod needs --context COLUMN");
  require_clean_error(run({"cdnod", "--data", dir + "cdnod_k3.csv", "--context", "q"}), "--context names 'q'");
  require_clean_error(run({"cdnod", "--data", kci_data, "--context", "x4", "--test", "kci", "--kci-width", "wide"}),
                      "--kci-width must be");
  std::string single = "a,b,c\n";
  for (int i = 0; i < 20; ++i) single += std::to_string(i) + "," + std::to_string((i * 7) % 5) + ",1\n";
  const std::string single_path = (std::filesystem::temp_directory_path() / "causalattn_cdnod_single.csv").string();
  ca::io::write_file_bytes(single_path, single);
  require_clean_error(run({"cdnod", "--data", single_path, "--context", "c"}), "--context c: has a single value");
  std::filesystem::remove(moved_path);
  std::filesystem::remove(single_path);
}

TEST_CASE("pc takes background knowledge and the conservative and majority rules from the command line", "[cli][pc]") {
  const std::string data = data_dir + "/causal-learn/data_linear_10.txt";
  const auto table = ca::read_csv<double>(data);
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  // The command line and the API with the same knowledge give the same graph.
  ca::PcOptions options;
  options.collider_rule = ca::ColliderRule::conservative;
  options.knowledge = ca::BackgroundKnowledge(table.data.cols());
  options.knowledge.forbid(0, 1).forbid(1, 0).require(4, 2).set_tier(5, 0).set_tier(6, 0).set_tier(7, 1);
  options.knowledge.forbid_within_tiers();
  const auto api = ca::pc(test, table.names, options);
  const auto r = run({"pc", "--data", data, "--uc-rule", "conservative", "--forbid", "X1:X2,X2:X1", "--require", "X5:X3",
                      "--tiers", "X6,X7;X8", "--forbid-within-tiers", "--format", "causal-learn"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(ca::parse_int_matrix(r.out) == ca::to_causal_learn_matrix(api.cpdag));
  REQUIRE_FALSE(api.cpdag.adjacent(0, 1));
  REQUIRE(api.cpdag.is_directed(4, 2));
  REQUIRE_THAT(r.err, Contains(std::to_string(api.ambiguous_triples.size()) + " ambiguous triples"));
  const auto majority = run({"pc", "--data", data, "--uc-rule", "majority", "--format", "causal-learn"});
  options = {};
  options.collider_rule = ca::ColliderRule::majority;
  REQUIRE(ca::parse_int_matrix(majority.out) == ca::to_causal_learn_matrix(ca::pc(test, table.names, options).cpdag));

  require_clean_error(run({"pc", "--data", data, "--forbid", "X1-X2"}), "--forbid takes FROM:TO pairs, got 'X1-X2'");
  require_clean_error(run({"pc", "--data", data, "--require", "X1:Q"}), "--require names 'Q', which is not a column");
  require_clean_error(run({"pc", "--data", data, "--tiers", "X1;Z9"}), "--tiers names 'Z9'");
  require_clean_error(run({"pc", "--data", data, "--require", "X1:X2", "--forbid", "X1:X2"}), "requires and forbids the edge 0 -> 1");
}

TEST_CASE("ate reproduces the Lalonde ATT and IHDP ATE references from the command line", "[cli][ate]") {
  const std::string covariates = "age,educ,black,hisp,married,nodegree,re74,re75";
  // ate_reference.md, whole dollars: regression adjustment, IPW (odds), doubly robust, entropy balancing.
  const std::pair<std::string, std::array<double, 4>> lalonde[] = {{"lalonde_nsw_dw", {1788, 1806, 1797, 1795}},
                                                                  {"lalonde_dw_psid", {791, 1759, 2053, 2058}},
                                                                  {"lalonde_dw_cps", {690, 1180, 1274, 1271}},
                                                                  {"lalonde_matchit", {1648, 1214, 1231, 1273}}};
  const char* methods[] = {"ols", "ipw", "aipw", "ebal"};
  for (const auto& [sample, expected] : lalonde) {
    for (int k = 0; k < 4; ++k) {
      INFO(sample << " " << methods[k]);
      const auto r = run({"ate", "--data", data_dir + "/lalonde/" + sample + ".csv", "--treatment", "treat", "--outcome", "re78",
                          "--covariates", covariates, "--method", methods[k], "--estimand", "att", "--format", "json"});
      INFO(r.err);
      REQUIRE(r.code == 0);
      const auto v = ca::JsonValue::parse(r.out);
      CHECK(std::abs(v.at("estimate").as_number() - expected[std::size_t(k)]) <= 1.0);
      CHECK(v.at("method").as_string() == methods[k]);
      CHECK(v.at("estimand").as_string() == "att");
      CHECK(v.at("n_treated").as_number() == 185);
      CHECK(v.at("ci_low").as_number() < v.at("estimate").as_number());
      CHECK(v.at("ci_high").as_number() > v.at("estimate").as_number());
      CHECK(v.at("std_error").as_number() > 0);
      CHECK(v.at("diagnostics").at("smd_before").at("re74").as_number() != 0);
    }
  }
  // IHDP ATE, OLS per arm / IPW Hajek / AIPW / entropy balancing, replications 1-10 (1e-3).
  const double ihdp[10][4] = {{3.9611, 4.0256, 3.9696, 3.9878}, {4.0568, 4.0335, 4.0395, 4.0873}, {4.0664, 4.0414, 4.0807, 4.0863},
                              {4.0720, 4.1477, 4.0852, 4.0804}, {4.2200, 4.1857, 4.2039, 4.2263}, {3.9939, 4.1332, 4.0314, 3.9999},
                              {3.8715, 3.8239, 3.8582, 3.7849}, {3.6800, 3.7682, 3.7023, 3.7003}, {10.1593, 9.9873, 9.9844, 9.9973},
                              {4.7134, 4.7278, 4.7485, 4.6794}};
  std::string x25;
  for (int j = 1; j <= 25; ++j) x25 += (j > 1 ? ",x" : "x") + std::to_string(j);
  for (int rep = 1; rep <= 10; ++rep) {
    for (int k = 0; k < 4; ++k) {
      INFO("IHDP " << rep << " " << methods[k]);
      const auto r = run({"--format", "json", "ate", "--data", data_dir + "/ihdp/ihdp_npci_" + std::to_string(rep) + ".csv",
                          "--treatment", "treatment", "--outcome", "y_factual", "--covariates", x25, "--method", methods[k]});
      REQUIRE(r.code == 0);
      CHECK(std::abs(ca::JsonValue::parse(r.out).at("estimate").as_number() - ihdp[rep - 1][k]) <= 1e-3);
    }
  }
}

TEST_CASE("ate prints a readable table, needs its covariates named and reports bad input", "[cli][ate]") {
  const std::string nsw = data_dir + "/lalonde/lalonde_nsw_dw.csv";
  const auto text = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "all", "--method", "ebal",
                         "--estimand", "att"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  REQUIRE_THAT(text.out, Contains("att by ebal, 185 treated, 260 control"));
  REQUIRE_THAT(text.out, Contains("covariates  age, educ, black, hisp, married, nodegree, re74, re75, u74, u75"));
  REQUIRE_THAT(text.out, Contains("95% CI"));
  REQUIRE_THAT(text.out, Contains("SMD before"));
  const auto balance = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age,educ,re74",
                            "--method", "balance", "--kernel", "linear", "--format", "json"});
  REQUIRE(balance.code == 0);
  const auto parsed = ca::JsonValue::parse(balance.out);
  REQUIRE(parsed.at("diagnostics").at("converged").as_bool());
  REQUIRE(parsed.at("covariates").as_array().size() == 3);
  // Without --covariates nothing is guessed (on IHDP "every other column" includes the counterfactuals).
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78"}), "ate needs --covariates");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age,re78"}),
                      "--covariates names 're78', which is the outcome");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "re78", "--outcome", "re78", "--covariates", "age"}),
                      "name the same column");
  const std::string matchit = data_dir + "/lalonde/lalonde_matchit.csv";
  require_clean_error(run({"ate", "--data", matchit, "--treatment", "treat", "--outcome", "re78", "--covariates", "all"}),
                      "choose numeric ones with --covariates");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treated", "--outcome", "re78", "--covariates", "age"}),
                      "--treatment: no column named 'treated'");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "age", "--outcome", "re78", "--covariates", "educ"}),
                      "treatment: row 0 is 37, must be 0 or 1");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--method", "bart"}),
                      "method: is 'bart'");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--estimand", "atc"}),
                      "--estimand must be ate or att");
  // Library option names come out as the tool's flags.
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--clip", "0.7"}),
                      "--clip: is 0.7");
  require_clean_error(run({"ate", "--data", nsw, "--outcome", "re78"}), "ate needs --treatment");
}

TEST_CASE("ate enters text columns as dummies and reports sensitivity to unobserved confounding", "[cli][ate][sensitivity]") {
  const std::string darfur = data_dir + "/darfur/darfur.csv";
  const std::vector<std::string> base = {"--format",
                                         "json",
                                         "ate",
                                         "--data",
                                         darfur,
                                         "--treatment",
                                         "directlyharmed",
                                         "--outcome",
                                         "peacefactor",
                                         "--covariates",
                                         "age,farmer_dar,herder_dar,pastvoted,hhsize_darfur,female,village",
                                         "--categorical",
                                         "village",
                                         "--method",
                                         "ols",
                                         "--outcome-model",
                                         "single"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const auto r = with({"--sensitivity", "--benchmark", "female,village", "--k", "1,2"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto json = ca::JsonValue::parse(r.out);
  CHECK(json.at("covariates").as_array().size() == 6 + 485);
  CHECK(json.at("categorical").at("village").at("levels").as_array().size() == 486);
  CHECK(json.at("categorical").at("village").at("reference").as_string() == "Abdel Khair");
  // The single-model OLS estimate is the regression coefficient the sensitivity statistics are about.
  const auto& ovb = json.at("sensitivity").at("omitted_variable_bias");
  CHECK(std::abs(json.at("estimate").as_number() - ovb.at("estimate").as_number()) < 1e-10);
  CHECK(std::abs(ovb.at("rv_q").as_number() - 0.13878) <= 0.5e-5);
  CHECK(std::abs(ovb.at("rv_q_alpha").as_number() - 0.07626) <= 0.5e-5);
  const auto& bounds = ovb.at("bounds").as_array();
  REQUIRE(bounds.size() == 2);  // female x {1, 2}; the village fixed effects, as a group, explain too much of Y for any bound
  CHECK(bounds[0].at("benchmark").as_string() == "female");
  CHECK(bounds[1].at("adjusted_estimate").as_number() < bounds[0].at("adjusted_estimate").as_number());
  REQUIRE(ovb.at("warnings").as_array().size() == 2);
  CHECK_THAT(ovb.at("warnings").as_array()[0].as_string(), Contains("benchmark 'village'"));
  CHECK(json.at("sensitivity").at("e_value").at("point").as_number() > 1);

  const auto text = run({"ate", "--data", darfur, "--treatment", "directlyharmed", "--outcome", "peacefactor", "--covariates",
                         "female,village", "--categorical", "village", "--method", "ols", "--sensitivity"});
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Contains("village: categorical, 486 levels, reference 'Abdel Khair' (485 dummy columns)"));
  CHECK_THAT(text.out, Contains("RV(q = 1)") && Contains("E-value"));

  require_clean_error(with({"--sensitivity", "--benchmark", "income"}), "--benchmark names 'income'");
  require_clean_error(with({"--sensitivity", "--k", "0"}), "--k");
  require_clean_error(with({"--sensitivity", "--k", "x"}), "--k must be a number");
  require_clean_error(with({"--benchmark", "female"}), "apply with --sensitivity");
  require_clean_error(run({"ate", "--data", darfur, "--treatment", "directlyharmed", "--outcome", "peacefactor", "--covariates",
                           "age", "--categorical", "village"}),
                      "--categorical names 'village', which is not in --covariates");
  require_clean_error(run({"ate", "--data", darfur, "--treatment", "directlyharmed", "--outcome", "peacefactor", "--covariates",
                           "age,town", "--categorical", "town"}),
                      "--categorical: no column named 'town'");
}

TEST_CASE("the tool carries the shipped CInA-ZS model: load_default needs no file", "[cli][cina]") {
  const char* set = std::getenv("CAUSALATTN_MODEL_DIR");
  const std::string saved = set != nullptr ? set : "";
  ::unsetenv("CAUSALATTN_MODEL_DIR");
  // The tool's subcommand library (linked here) registers its embedded copy at start-up: not the file
  // found through CMake's model directory, which the comparison below could not tell apart.
  REQUIRE(ca::detail::EmbeddedCinaZsModel::bytes != nullptr);
  REQUIRE(ca::detail::EmbeddedCinaZsModel::bytes() == ca::io::read_file_bytes(ca::cina_zs_default_path()));
  const auto embedded = ca::CinaZsModel<float>::load_default();
  const auto from_file = ca::load_cina_zs<float>(ca::cina_zs_default_path());
  ca::ParameterRegistry<float> a, b;
  auto embedded_copy = embedded;
  auto file_copy = from_file;
  embedded_copy.register_parameters(a);
  file_copy.register_parameters(b);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.entries()[i].parameter->value == b.entries()[i].parameter->value);
  // The environment variable still overrides the embedded copy: an empty directory is an error
  // naming the file it looked for.
  ::setenv("CAUSALATTN_MODEL_DIR", "/nonexistent-causalattn-models", 1);
  CHECK_THROWS_WITH(ca::CinaZsModel<float>::load_default(), Contains("/nonexistent-causalattn-models/cina_zs_default.bin"));
  if (set != nullptr) ::setenv("CAUSALATTN_MODEL_DIR", saved.c_str(), 1);
  else ::unsetenv("CAUSALATTN_MODEL_DIR");
}

TEST_CASE("ate runs CInA and the shipped CInA-ZS model like the API", "[cli][ate][cina]") {
  const std::string nsw = data_dir + "/lalonde/lalonde_nsw_dw.csv";
  const auto table = ca::read_csv<double>(nsw);
  const std::vector<std::string> covariates = {"age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  ca::Matrix<double> x(table.data.rows(), 8);
  ca::Index t_col = 0, y_col = 0;
  for (std::size_t j = 0; j < table.names.size(); ++j) {
    if (table.names[j] == "treat") t_col = ca::Index(j);
    if (table.names[j] == "re78") y_col = ca::Index(j);
    for (std::size_t c = 0; c < covariates.size(); ++c)
      if (table.names[j] == covariates[c]) x.col(ca::Index(c)) = table.data.col(ca::Index(j));
  }
  const ca::Vector<double> t = table.data.col(t_col), y = table.data.col(y_col);
  const ca::TreatmentData<double> data(x, t, y);
  const std::string list = "age,educ,black,hisp,married,nodegree,re74,re75";
  const auto zs = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method", "cina-zs",
                       "--format", "json"});
  INFO(zs.err);
  REQUIRE(zs.code == 0);
  const auto v = ca::JsonValue::parse(zs.out);
  CHECK(v.at("method").as_string() == "cina-zs");
  CHECK(v.at("estimate").as_number() == Approx(ca::cina_zs(ca::CinaZsModel<float>::load_default(), data).estimate).epsilon(1e-9));
  ca::EffectOptions short_training;
  short_training.cina.epochs = 30;
  const auto cina = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method", "cina",
                         "--epochs", "30", "--format", "json"});
  REQUIRE(cina.code == 0);
  CHECK(ca::JsonValue::parse(cina.out).at("estimate").as_number() == Approx(ca::cina(data, short_training).estimate).epsilon(1e-9));
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--method", "cina", "--model", "m.bin"}),
                      "--model applies to --method cina-zs only");
  ca::EffectOptions att;
  att.estimand = ca::Estimand::att;
  const auto zs_att = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method",
                           "cina-zs", "--estimand", "att", "--format", "json"});
  REQUIRE(zs_att.code == 0);
  CHECK(ca::JsonValue::parse(zs_att.out).at("estimate").as_number() ==
        Approx(ca::cina_zs(ca::CinaZsModel<float>::load_default(), data, att).estimate).epsilon(1e-9));
  std::vector<double> by_calibration;
  for (const auto& [flag, mode] :
       {std::pair{"variances", ca::CinaZsCalibration::means_and_variances}, std::pair{"no", ca::CinaZsCalibration::none},
        std::pair{"means", ca::CinaZsCalibration::means}}) {
    INFO("--calibrate " << flag);
    ca::EffectOptions calibration;
    calibration.cina_zs_estimate = ca::CinaZsEstimate::weighting;
    calibration.cina_zs_calibration = mode;
    const auto calibrated = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list,
                                 "--method", "cina-zs", "--zs-estimate", "weighting", "--calibrate", flag, "--format", "json"});
    REQUIRE(calibrated.code == 0);
    by_calibration.push_back(ca::JsonValue::parse(calibrated.out).at("estimate").as_number());
    CHECK(by_calibration.back() == Approx(ca::cina_zs(ca::CinaZsModel<float>::load_default(), data, calibration).estimate).epsilon(1e-9));
  }
  // Each calibration changes the weights: variances, none and means all differ.
  CHECK(by_calibration[1] != Approx(by_calibration[0]).epsilon(1e-6));
  CHECK(by_calibration[2] != Approx(by_calibration[0]).epsilon(1e-6));
  CHECK(by_calibration[1] != Approx(by_calibration[2]).epsilon(1e-6));
  // The doubly robust estimate, and the per-unit effects of the outcome head and of the T-learner.
  ca::EffectOptions both;
  both.cina_zs_estimate = ca::CinaZsEstimate::doubly_robust;
  const auto dr = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method",
                       "cina-zs", "--zs-estimate", "dr", "--format", "json"});
  REQUIRE(dr.code == 0);
  CHECK(ca::JsonValue::parse(dr.out).at("estimate").as_number() ==
        Approx(ca::cina_zs(ca::CinaZsModel<float>::load_default(), data, both).estimate).epsilon(1e-9));
  const std::string cate_file = "cli_test_cate.csv";
  for (const std::string method : {"cina-zs", "ols"}) {
    INFO("--cate with --method " << method);
    const auto with_cate = run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list,
                                "--method", method, "--cate", cate_file});
    REQUIRE(with_cate.code == 0);
    const auto written = ca::read_csv<double>(cate_file);
    REQUIRE(written.names == std::vector<std::string>{"effect", "std_error"});
    const ca::CateEstimate expected = method == "ols" ? ca::t_learner(data)
                                                      : ca::cina_zs_cate(ca::CinaZsModel<float>::load_default(), data);
    REQUIRE(written.data.rows() == expected.effect.size());
    CHECK(written.data(5, 0) == Approx(expected.effect(5)).epsilon(1e-9));
    CHECK(written.data(5, 1) == Approx(expected.std_error(5)).epsilon(1e-9));
  }
  std::remove(cate_file.c_str());
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method",
                           "ipw", "--cate", cate_file}),
                      "--cate applies to --method cina-zs (its outcome head) and ols");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", list, "--method",
                           "cina-zs", "--zs-estimate", "head", "--calibrate", "means"}),
                      "--calibrate tilts the weights of --zs-estimate weighting or dr");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--method", "ipw", "--zs-estimate",
                           "dr"}),
                      "--zs-estimate applies to --method cina-zs only");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--method", "ipw", "--calibrate", "no"}),
                      "--calibrate applies to --method cina-zs only");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--method", "cina-zs", "--calibrate", "on"}),
                      "--calibrate must be variances, means or no");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--method", "cina", "--key-map", "rbf"}),
                      "--key-map must be linear or mlp");
  require_clean_error(run({"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--method", "cina-zs",
                           "--model", data_dir + "/lalonde/lalonde_nsw_dw.csv"}),
                      "not a causalattn parameter file");
}

TEST_CASE("fci from the command line equals the API, with causal-learn's endpoint matrix", "[cli][fci]") {
  const std::string data = data_dir + "/causal-learn/data_linear_10.txt";
  const auto table = ca::read_csv<double>(data);
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  const auto r = run({"fci", "--data", data, "--format", "causal-learn"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(ca::parse_int_matrix(r.out) == ca::to_causal_learn_matrix(ca::fci(test, table.names).pag));
  REQUIRE_THAT(r.err, Contains("3 removed by possible-d-sep"));
  // Without the possible-d-sep stage only the three tails at X8 differ from causal-learn's file
  // (explained in tests/discovery/fci_test.cpp and examples/guides/design.md).
  const auto plain = run({"fci", "--data", data, "--no-possible-dsep", "--format", "causal-learn", "--threads", "1"});
  const auto ours = ca::parse_int_matrix(plain.out);
  const auto expected = ca::parse_int_matrix(ca::io::read_file_bytes(data_dir + "/causal-learn/expected/linear_10_fci_fisherz_0.05.txt"));
  REQUIRE((ours.array() != expected.array()).count() == 3);
  const auto amat = run({"fci", "--data", data, "--format", "pcalg", "--max-depth", "2", "--max-path-length", "3"});
  REQUIRE(amat.code == 0);
  REQUIRE(ca::parse_int_matrix(amat.out).rows() == 20);
  require_clean_error(run({"fci"}), "fci needs --data");
  require_clean_error(run({"fci", "--data", data, "--uc-rule", "1"}), "unknown option '--uc-rule'");
  require_clean_error(run({"fci", "--data", data, "--max-path-length", "-5"}), "--max-path-length must be an integer");
}

namespace {

// The bytes of a version 1.0 .npy file holding `values` (C order, float64) with the given shape.
std::string npy_bytes(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  std::string dims;
  for (std::size_t d : shape) dims += std::to_string(d) + ", ";
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  return bytes;
}

// Row-stochastic SEM attention of T0 -> T1 -> T2 <- T3 (A = (I - G)^-1, rows normalised).
ca::Matrix<double> chain_attention(double weight) {
  ca::Matrix<double> g = ca::Matrix<double>::Zero(4, 4);
  g(1, 0) = weight;
  g(2, 1) = 1.5;
  g(2, 3) = 0.8;
  ca::Matrix<double> a = ca::Matrix<double>::Identity(4, 4) + g + g * g;
  return a.array().colwise() / a.rowwise().sum().array();
}

}  // namespace

TEST_CASE("attention-graph reads text and .npy stacks, picks layer, head and tokens", "[cli][attention]") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string text_path = (dir / "causalattn_attention.txt").string();
  const std::string npy_path = (dir / "causalattn_attention.npy").string();
  const ca::Matrix<double> a = chain_attention(1.2);
  {
    std::ofstream text(text_path);
    text.precision(17);
    for (ca::Index i = 0; i < 4; ++i) text << a(i, 0) << ' ' << a(i, 1) << ' ' << a(i, 2) << ' ' << a(i, 3) << '\n';
  }
  ca::AttentionGraphOptions options;
  options.sample_size = 1e6;
  options.algorithm = ca::AttentionAlgorithm::pc;
  options.nodes = {2, 0, 1, 3};
  const auto api = ca::attention_graph(a, options);
  const auto r = run({"attention-graph", "--attention", text_path, "--samples", "1e6", "--algorithm", "pc", "--nodes", "2,0,1,3",
                      "--format", "causal-learn"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(ca::parse_int_matrix(r.out) == ca::to_causal_learn_matrix(api.graph));
  REQUIRE(api.graph.is_directed(2, 0));  // T1 -> T2 (graph node 2 is T1, node 0 is T2)
  REQUIRE(api.graph.is_directed(3, 0));  // T3 -> T2

  // [2 layers, 3 heads, 4, 4]: layer 1 holds the chain in heads 0 and 2, the identity in head 1.
  std::vector<double> values;
  const ca::Matrix<double> identity = ca::Matrix<double>::Identity(4, 4);
  for (int layer = 0; layer < 2; ++layer)
    for (int head = 0; head < 3; ++head) {
      const ca::Matrix<double>& m = (layer == 1 && head == 1) || layer == 0 ? identity : a;
      for (ca::Index i = 0; i < 4; ++i)
        for (ca::Index j = 0; j < 4; ++j) values.push_back(m(i, j));
    }
  ca::io::write_file_bytes(npy_path, npy_bytes({2, 3, 4, 4}, values));
  const auto one_head = run({"attention-graph", "--attention", npy_path, "--samples", "1e6", "--algorithm", "pc", "--head", "2",
                             "--nodes", "2,0,1,3", "--format", "causal-learn"});
  REQUIRE(ca::parse_int_matrix(one_head.out) == ca::to_causal_learn_matrix(api.graph));
  REQUIRE_THAT(one_head.err, Contains("layer 1, 1 head(s), 4 tokens"));
  const auto all_heads = run({"attention-graph", "--attention", npy_path, "--samples", "1e6", "--format", "tetrad"});
  REQUIRE_THAT(all_heads.out, Contains("# layer 1 head 2") && Contains("# edge frequency across heads"));
  REQUIRE_THAT(all_heads.out, Contains("0.667"));
  const auto as_json = run({"attention-graph", "--attention", npy_path, "--samples", "1e6", "--format", "json", "--layer", "1"});
  const auto parsed = ca::JsonValue::parse(as_json.out, "stdout");
  REQUIRE(parsed.at("heads").as_array().size() == 3);
  CHECK(parsed.at("layer").as_number() == 1);
  const auto& frequency = parsed.at("edge_frequency").as_array();
  REQUIRE(frequency.size() == 4);
  double largest = 0;
  for (const auto& row : frequency)
    for (const auto& entry : row.as_array()) largest = std::max(largest, entry.as_number());
  CHECK(largest <= 1);
  CHECK(ca::graph_from_json(parsed.at("heads").as_array()[0]).size() == 4);
  const auto empty_layer = run({"attention-graph", "--attention", npy_path, "--layer", "0", "--head", "0", "--format", "causal-learn"});
  REQUIRE((ca::parse_int_matrix(empty_layer.out).array() == 0).all());  // identity attention: no edges

  require_clean_error(run({"attention-graph"}), "attention-graph needs --attention");
  require_clean_error(run({"attention-graph", "--attention", npy_path, "--head", "3"}), "--head 3 is out of range");
  require_clean_error(run({"attention-graph", "--attention", npy_path, "--layer", "2"}), "--layer 2 is out of range");
  require_clean_error(run({"attention-graph", "--attention", npy_path, "--algorithm", "ges"}), "--algorithm must be pc or fci");
  require_clean_error(run({"attention-graph", "--attention", npy_path, "--nodes", "0,9"}), "token 9 is out of range");
  {
    std::ofstream bad(text_path);
    bad << "0.5 0.6\n0.5 0.5\n";
  }
  require_clean_error(run({"attention-graph", "--attention", text_path}), "row 0 sums to");
  std::filesystem::remove(text_path);
  std::filesystem::remove(npy_path);
}

TEST_CASE("lagged from the command line equals the API, in json, dot and text", "[cli][lagged]") {
  ca::VarOptions v;
  v.variables = 4;
  v.max_lag = 2;
  v.length = 200;  // enough for every option's check; each one trains a model twice (API and tool)
  v.seed = 6;
  // Three epochs, one under ASan (to keep the sanitizer run short): each check compares the tool
  // with the API, which agree for any number of epochs, and the checks that options reach the model
  // (scores differ) hold after one epoch as after three.
  const int epochs = ca::test::sanitized() ? 1 : 3;
  const std::string epochs_flag = std::to_string(epochs);
  const ca::LaggedSeries s = ca::simulate_var(v);
  const auto path = (std::filesystem::temp_directory_path() / "causalattn_cli_lagged.csv").string();
  {
    std::ofstream file(path);
    ca::write_csv(file, {"a", "b", "c", "d"}, s.x);
  }
  const ca::Matrix<double> x = ca::read_csv<double>(path).data;  // the values the tool reads
  const auto granger = run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--format", "json"});
  INFO(granger.err);
  REQUIRE(granger.code == 0);
  const auto g = ca::JsonValue::parse(granger.out);
  CHECK(g.at("method").as_string() == "granger");
  CHECK(g.at("max_lag").as_number() == 2);
  CHECK(g.at("nodes").as_array()[3].as_string() == "d");
  const ca::GrangerResult expected = ca::granger(x, 2);
  for (ca::Index lag = 1; lag <= 2; ++lag)
    for (ca::Index source = 0; source < 4; ++source)
      for (ca::Index target = 0; target < 4; ++target)
        CHECK(g.at("lagged_scores").as_array()[std::size_t(lag - 1)].as_array()[std::size_t(source)].as_array()[std::size_t(target)].as_number() ==
              Approx(expected.scores.lagged[std::size_t(lag - 1)](source, target)).epsilon(1e-12));
  // By default Granger's links are its F tests' p < 0.05 (no forced number of parents), with p-values.
  auto entry = [](const ca::JsonValue& json, const char* key, ca::Index i, ca::Index j) {
    return json.at(key).as_array()[std::size_t(i)].as_array()[std::size_t(j)].as_number();
  };
  for (ca::Index source = 0; source < 4; ++source)
    for (ca::Index target = 0; target < 4; ++target) {
      CHECK(entry(g, "summary_p_value", source, target) == Approx(expected.p_value(source, target)).epsilon(1e-12));
      CHECK(entry(g, "summary_graph", source, target) == (expected.p_value(source, target) < 0.05 ? 1 : 0));
    }
  CHECK(g.at("rule").as_string() == "p < 0.05");
  CHECK_FALSE(g.contains("seconds"));  // timing goes to stderr: outputs are byte-comparable
  CHECK_THAT(granger.err, Contains("lagged: granger"));
  const auto strict = ca::JsonValue::parse(
      run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--format", "json", "--alpha", "1e-6"}).out);
  CHECK(entry(strict, "summary_graph", 0, 0) == (expected.p_value(0, 0) < 1e-6 ? 1 : 0));
  // --top-k still keeps each target's k strongest sources.
  const auto top = ca::JsonValue::parse(
      run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--format", "json", "--top-k", "2"}).out);
  const ca::Matrix<double> top2 = ca::binarize(expected.scores.summary(), ca::Binarization::row_top_k, 2);
  for (ca::Index source = 0; source < 4; ++source)
    for (ca::Index target = 0; target < 4; ++target) CHECK(entry(top, "summary_graph", source, target) == top2(source, target));
  // The text lists each link with its strongest lag and p-value.
  const auto granger_text = run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger"});
  CHECK_THAT(granger_text.out, Contains("(t-") && Contains("  p "));
  CHECK(run({"lagged", "--data", path, "--max-lag", "2", "--alpha", "0.1"}).code == 2);  // the transformer has no p-values
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--alpha", "2"}), "--alpha: is 2");

  const auto pcmci = run({"lagged", "--data", path, "--max-lag", "2", "--method", "pcmci", "--format", "json", "--threshold", "3"});
  REQUIRE(pcmci.code == 0);
  const auto summary = ca::pcmci(x, 2).scores.summary();
  CHECK(ca::JsonValue::parse(pcmci.out).at("summary_scores").as_array()[1].as_array()[2].as_number() == Approx(summary(1, 2)).epsilon(1e-12));
  CHECK(ca::JsonValue::parse(pcmci.out).at("summary_graph").as_array()[1].as_array()[2].as_number() == (summary(1, 2) >= 3 ? 1 : 0));

  const auto transformer = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                                "--format", "dot", "--top-k", "1"});
  INFO(transformer.err);
  REQUIRE(transformer.code == 0);
  CHECK_THAT(transformer.out, StartsWith("digraph lagged {"));
  CHECK(std::count(transformer.out.begin(), transformer.out.end(), '>') == 4);  // one source per target
  ca::ArTrainingOptions options;
  options.model.max_lag = 2;
  options.epochs = epochs;
  const auto fit = ca::fit_ar_transformer<float>(x, options);
  const ca::Matrix<double> scores = ca::lagged_attribution(fit, x).scores.summary();
  const auto json = run(
      {"lagged", "--data", path, "--max-lag", "2", "--epochs", epochs_flag, "--format", "json"});  // the default method
  CHECK(ca::JsonValue::parse(json.out).at("method").as_string() == "transformer");
  CHECK(ca::JsonValue::parse(json.out).at("summary_scores").as_array()[0].as_array()[1].as_number() == Approx(scores(0, 1)).epsilon(1e-9));
  // --method auto: both models trained as the API's choose_lagged_model trains them,
  // the choice and both held-out errors reported, the chosen model's scores.
  ca::InContextArOptions auto_in_context;
  auto_in_context.max_lag = 2;
  auto_in_context.epochs = epochs;
  const auto choice = ca::choose_lagged_model(x, options, auto_in_context);
  const ca::Matrix<double> chosen_scores = choice.attribution(x).scores.summary();
  const auto auto_json = run(
      {"lagged", "--data", path, "--max-lag", "2", "--method", "auto", "--epochs", epochs_flag, "--format", "json"});
  INFO(auto_json.err);
  REQUIRE(auto_json.code == 0);
  const ca::JsonValue auto_value = ca::JsonValue::parse(auto_json.out);
  CHECK(auto_value.at("method").as_string() == "auto");
  CHECK(auto_value.at("chosen").as_string() == choice.chosen());
  CHECK(auto_value.at("held_out_mse").at("transformer").as_number() == Approx(choice.transformer_validation_mse).epsilon(1e-9));
  CHECK(auto_value.at("held_out_mse").at("in-context").as_number() == Approx(choice.in_context_validation_mse).epsilon(1e-9));
  CHECK(auto_value.at("summary_scores").as_array()[0].as_array()[1].as_number() == Approx(chosen_scores(0, 1)).epsilon(1e-9));
  CHECK_THAT(auto_json.err, Contains("auto chose the " + choice.chosen() + " model"));
  // --aggregation and --validation reach the API's options.
  ca::AttributionOptions mean;
  mean.aggregation = ca::WindowAggregation::mean;
  const ca::Matrix<double> mean_scores = ca::lagged_attribution(fit, x, mean).scores.summary();
  REQUIRE_FALSE(mean_scores.isApprox(scores, 1e-6));
  const auto mean_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                              "--format", "json", "--aggregation", "mean"});
  CHECK(ca::JsonValue::parse(mean_json.out).at("summary_scores").as_array()[0].as_array()[1].as_number() ==
        Approx(mean_scores(0, 1)).epsilon(1e-9));
  // --mixer mesa|hybrid reach the model (hybrid: two layers unless --layers says otherwise).
  for (const auto& [flag, mixer] :
       {std::pair<const char*, ca::ArMixer>{"mesa", ca::ArMixer::mesa}, {"hybrid", ca::ArMixer::hybrid}}) {
    ca::ArTrainingOptions mixed = options;
    mixed.model.mixer = mixer;
    mixed.model.layers = mixer == ca::ArMixer::hybrid ? 2 : 1;
    const ca::Matrix<double> mixed_scores = ca::lagged_attribution(ca::fit_ar_transformer<float>(x, mixed), x).scores.summary();
    REQUIRE_FALSE(mixed_scores.isApprox(scores, 1e-6));
    const auto mixed_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                                 "--format", "json", "--mixer", flag});
    INFO(flag << ": " << mixed_json.err);
    REQUIRE(mixed_json.code == 0);
    CHECK(ca::JsonValue::parse(mixed_json.out).at("summary_scores").as_array()[0].as_array()[1].as_number() ==
          Approx(mixed_scores(0, 1)).epsilon(1e-9));
  }
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--mixer", "mesa", "--attribution", "attention"}),
                      "--attribution attention reads softmax weights");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--mixer", "mesa", "--method", "granger"}),
                      "--mixer applies to --method auto and transformer only");
  // --method in-context: the in-context AR model with --features and --epochs, read by the same attribution.
  ca::InContextArOptions in_context;
  in_context.max_lag = 2;
  in_context.features = 3;
  in_context.epochs = 4;
  const ca::Matrix<double> in_context_scores =
      ca::in_context_attribution(ca::fit_in_context_ar<double>(x, in_context), x).scores.summary();
  const auto in_context_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "in-context", "--features", "3",
                                    "--epochs", "4", "--format", "json"});
  INFO(in_context_json.err);
  REQUIRE(in_context_json.code == 0);
  CHECK(ca::JsonValue::parse(in_context_json.out).at("method").as_string() == "in-context");
  CHECK(ca::JsonValue::parse(in_context_json.out).at("summary_scores").as_array()[0].as_array()[1].as_number() ==
        Approx(in_context_scores(0, 1)).epsilon(1e-9));
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--features", "3"}),
                      "--features applies to --method auto and in-context only");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "auto", "--attribution", "attention"}),
                      "--method auto may choose the in-context model");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "in-context", "--attribution", "attention"}),
                      "--method in-context has none");
  options.validation = ca::ArValidation::interleaved;
  const ca::Matrix<double> interleaved = ca::lagged_attribution(ca::fit_ar_transformer<float>(x, options), x).scores.summary();
  const auto interleaved_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs",
                                     epochs_flag, "--format", "json", "--validation", "interleaved"});
  CHECK(ca::JsonValue::parse(interleaved_json.out).at("summary_scores").as_array()[0].as_array()[1].as_number() ==
        Approx(interleaved(0, 1)).epsilon(1e-9));
  options.validation = ca::ArValidation::tail;
  // --segments K with --validation none: the API's segmented attribution, every window trained.
  options.validation_fraction = 0;
  ca::AttributionOptions mean_rank;
  mean_rank.aggregation = ca::WindowAggregation::mean_rank;
  mean_rank.normalize = false;
  const ca::Matrix<double> segmented =
      ca::segmented_lagged_attribution<float>(x, ca::equal_segments(x.rows(), 2), options, mean_rank).combined.scores.summary();
  const auto segmented_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                                   "--format", "json", "--validation", "none", "--segments", "2", "--aggregation", "mean-rank"});
  INFO(segmented_json.err);
  CHECK_THAT(segmented_json.err, Contains("training MSE"));
  for (ca::Index source = 0; source < 4; ++source)
    for (ca::Index target = 0; target < 4; ++target)
      CHECK(ca::JsonValue::parse(segmented_json.out).at("summary_scores").as_array()[std::size_t(source)].as_array()[std::size_t(target)].as_number() ==
            Approx(segmented(source, target)).epsilon(1e-9));
  // --time-harmonics H: the API's model with a time embedding, attributed on its training series.
  // Mean ranks are not normalised, as with --segments.
  const ca::Matrix<double> untimed = ca::lagged_attribution(ca::fit_ar_transformer<float>(x, options), x, mean_rank).scores.summary();
  options.model.time_harmonics = 2;
  const ca::Matrix<double> timed = ca::lagged_attribution(ca::fit_ar_transformer<float>(x, options), x, mean_rank).scores.summary();
  const auto timed_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                               "--format", "json", "--validation", "none", "--time-harmonics", "2", "--aggregation",
                               "mean-rank"});
  REQUIRE_FALSE(timed.isApprox(untimed, 1e-6));  // the option must reach the model
  for (ca::Index source = 0; source < 4; ++source)
    for (ca::Index target = 0; target < 4; ++target)
      CHECK(ca::JsonValue::parse(timed_json.out).at("summary_scores").as_array()[std::size_t(source)].as_array()[std::size_t(target)].as_number() ==
            Approx(timed(source, target)).epsilon(1e-9));
  // --models M: the API's ensemble, M models averaged.
  const ca::Matrix<double> ensemble = ca::ensemble_lagged_attribution<float>(x, 2, options, mean_rank).scores.summary();
  const auto ensemble_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                                  "--format", "json", "--validation", "none", "--time-harmonics", "2", "--aggregation",
                                  "mean-rank", "--models", "2"});
  REQUIRE_FALSE(ensemble.isApprox(timed, 1e-6));
  for (ca::Index source = 0; source < 4; ++source)
    for (ca::Index target = 0; target < 4; ++target)
      CHECK(ca::JsonValue::parse(ensemble_json.out).at("summary_scores").as_array()[std::size_t(source)].as_array()[std::size_t(target)].as_number() ==
            Approx(ensemble(source, target)).epsilon(1e-9));
  options.model.time_harmonics = 0;
  options.validation_fraction = 0.2;
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--models", "0"}), "--models");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--models", "2", "--segments",
                           "2"}),
                      "give --segments or --models, not both");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--time-harmonics", "65"}), "--time-harmonics");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "pcmci", "--time-harmonics", "2"}),
                      "--time-harmonics applies to --method transformer only");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "auto", "--time-harmonics", "2"}),
                      "--time-harmonics applies to --method transformer only");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--layers", "0", "--time-harmonics", "2"}), "--time-harmonics: is 2");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--segments", "0"}), "--segments");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--segments", "2"}),
                      "--segments applies to --method transformer only");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--validation", "never"}),
                      "--validation must be tail, interleaved or none, got 'never'");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--aggregation", "max"}), "--aggregation must be rank, mean-rank, mean or share, got 'max'");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "pcmci", "--validation", "tail"}),
                      "--validation applies to --method transformer only");
  // Raw attention: a 1-layer model with one token per value and per-target readouts, as the API.
  options.model.tokens = ca::ArTokens::per_observation;
  options.model.readout = ca::ArReadout::per_target;
  const auto attention_fit = ca::fit_ar_transformer<float>(x, options);
  ca::AttributionOptions raw;
  raw.method = ca::Attribution::raw_attention;
  const ca::Matrix<double> attention = ca::lagged_attribution(attention_fit, x, raw).scores.summary();
  const auto attention_json = run({"lagged", "--data", path, "--max-lag", "2", "--method", "transformer", "--epochs", epochs_flag,
                                   "--format", "json", "--attribution", "attention"});
  INFO(attention_json.err);
  REQUIRE(attention_json.code == 0);
  CHECK(ca::JsonValue::parse(attention_json.out).at("summary_scores").as_array()[2].as_array()[1].as_number() ==
        Approx(attention(2, 1)).epsilon(1e-9));
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--attribution", "attention", "--layers", "2"}), "--layers must be 1");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--attribution", "lrp"}), "--attribution must be squared-gradient");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger", "--attribution", "attention"}),
                      "--attribution applies to --method auto, transformer and in-context only");
  const auto text = run({"lagged", "--data", path, "--max-lag", "2", "--method", "granger"});
  CHECK_THAT(text.out, StartsWith("lagged graph by granger"));

  require_clean_error(run({"lagged", "--data", path, "--max-lag", "2", "--method", "lingam"}),
                      "--method must be transformer, auto, in-context, granger or pcmci");
  require_clean_error(run({"lagged", "--data", path}), "lagged needs --max-lag");
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "400", "--method", "granger"}), "max_lag = 400");
  {
    std::ofstream file(path);
    file << "a,b\n";
    for (int t = 0; t < 30; ++t) file << (t * 7) % 11 << ",2\n";
  }
  require_clean_error(run({"lagged", "--data", path, "--max-lag", "1", "--method", "pcmci"}), "column 1");
}

TEST_CASE("the global --format json reaches every subcommand; numeric headers; covariates named in errors", "[cli]") {
  const std::string linear = data_dir + "/causal-learn/data_linear_10.txt";
  const auto pc = run({"--format", "json", "pc", "--data", linear});
  REQUIRE(pc.code == 0);
  REQUIRE(ca::JsonValue::parse(pc.out).at("nodes").as_array().size() == 20);
  const auto converted = run({"--format", "json", "convert-graph", data_dir + "/causal-learn/graph.10.txt", "--from", "tetrad"});
  REQUIRE(converted.code == 0);
  REQUIRE(ca::JsonValue::parse(converted.out).at("nodes").as_array().size() == 20);
  REQUIRE(ca::JsonValue::parse(run({"--format", "json", "describe", linear}).out).at("columns").as_array().size() == 20);
  // A first line of numbers: names with --numeric-header, data with --no-header, an error without either.
  const auto path = (std::filesystem::temp_directory_path() / "causalattn_cli_numeric.csv").string();
  {
    std::ofstream out(path);
    out << "0,1,2\n1,2,3\n2,3,5\n4,1,1\n5,5,2\n";
  }
  const auto named = run({"describe", path, "--numeric-header"});
  REQUIRE(named.code == 0);
  REQUIRE_THAT(named.out, Contains("4 rows x 3 columns"));
  const auto data = run({"describe", path, "--no-header"});
  REQUIRE(data.code == 0);
  REQUIRE_THAT(data.out, Contains("5 rows x 3 columns") && Contains("X3"));
  require_clean_error(run({"describe", path}), "pass --no-header if it is data");
  std::filesystem::remove(path);
  // A constant covariate is named by its column, not its position.
  const auto constant = (std::filesystem::temp_directory_path() / "causalattn_cli_constant.csv").string();
  {
    std::ofstream out(constant);
    out << "t,y,age,one\n0,1,30,1\n1,2,40,1\n0,3,35,1\n1,5,50,1\n0,2,20,1\n1,4,45,1\n";
  }
  require_clean_error(run({"ate", "--data", constant, "--treatment", "t", "--outcome", "y", "--covariates", "age,one"}),
                      "--covariates: column 'one' is constant");
  std::filesystem::remove(constant);
}

TEST_CASE("ate --report gives the estimate, balance, overlap, sensitivity and refutations in one page", "[cli][ate][report]") {
  const std::string psid = data_dir + "/lalonde/lalonde_dw_psid.csv";
  const std::vector<std::string> base = {"ate",         "--data",       psid,
                                         "--treatment", "treat",        "--outcome",
                                         "re78",        "--covariates", "age,educ,black,hisp,married,nodegree,re74,re75",
                                         "--estimand",  "att"};
  auto with = [&](std::vector<std::string> extra, bool json = false) {
    std::vector<std::string> args = base;
    if (json) args.insert(args.begin(), {"--format", "json"});
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const auto text = with({"--method", "ebal", "--report", "--simulations", "20"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Contains("SMD after") && Contains("VR before") && Contains("VR after"));
  // ebal fits no propensity model, so the report fits one for the overlap section.
  CHECK_THAT(text.out, Contains("overlap (logistic propensity of T on X)") && Contains("Crump et al. (2009) suggest keeping"));
  CHECK_THAT(text.out, Contains("RV(q = 1)") && Contains("E-value"));
  CHECK_THAT(text.out, Contains("refutation (20 simulations per test") && Contains("placebo-treatment") &&
                           Contains("random-common-cause") && Contains("data-subset") && Contains("dummy-outcome"));

  const auto json_run = with({"--method", "aipw", "--report", "--simulations", "20", "--threads", "1"}, true);
  INFO(json_run.err);
  REQUIRE(json_run.code == 0);
  const auto json = ca::JsonValue::parse(json_run.out);
  // AIPW fits its own propensity model: its overlap is in the diagnostics, not repeated.
  CHECK(json.at("diagnostics").at("overlap").at("crump_threshold").as_number() > 0);
  CHECK_FALSE(json.contains("propensity_overlap"));
  CHECK(json.at("diagnostics").at("variance_ratio_before").at("re74").as_number() > 0);
  const auto& tests = json.at("refutation").at("tests").as_array();
  REQUIRE(tests.size() == 4);
  CHECK(tests[0].at("test").as_string() == "placebo-treatment");
  CHECK(tests[0].at("estimates").as_array().size() == 20);
  CHECK(json.at("refutation").at("estimate").as_number() == json.at("estimate").as_number());
  CHECK(json.contains("sensitivity"));
  // The same simulations with two threads.
  const auto two = with({"--method", "aipw", "--report", "--simulations", "20", "--threads", "2"}, true);
  REQUIRE(two.code == 0);
  CHECK(ca::JsonValue::parse(two.out).at("refutation").at("tests").dump() == json.at("refutation").at("tests").dump());

  const auto some = with({"--method", "ols", "--refute", "--refute-tests", "placebo-treatment,dummy-outcome", "--simulations",
                          "10"},
                         true);
  REQUIRE(some.code == 0);
  const auto some_json = ca::JsonValue::parse(some.out);
  CHECK(some_json.at("refutation").at("tests").as_array().size() == 2);
  CHECK_FALSE(some_json.contains("sensitivity"));

  // Pictures: one marker per covariate and series, and a histogram bar set per arm.
  const auto dir = std::filesystem::temp_directory_path() / "causalattn_cli_plots";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  const auto pictures = with({"--method", "ebal", "--plot-dir", dir.string()}, true);
  INFO(pictures.err);
  REQUIRE(pictures.code == 0);
  CHECK(ca::JsonValue::parse(pictures.out).at("plots").as_array().size() == 2);
  auto slurp = [](const std::filesystem::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  auto count = [](const std::string& haystack, const std::string& what) {
    std::size_t n = 0;
    for (auto at = haystack.find(what); at != std::string::npos; at = haystack.find(what, at + 1)) ++n;
    return n;
  };
  const std::string love = slurp(dir / "love.svg"), overlap_svg = slurp(dir / "overlap.svg");
  CHECK_THAT(love, StartsWith("<svg") || Contains("<svg xmlns"));
  CHECK(count(love, "class=\"before\" data-covariate=") == 8);
  CHECK(count(love, "class=\"after\" data-covariate=") == 8);
  CHECK_THAT(overlap_svg, Contains("class=\"treated\"") && Contains("class=\"control\"") && Contains("class=\"trim\""));
  // A directory that cannot be written: a clean error before any work, and no --cate file.
  const auto cate = (dir / "cate.csv").string();
  require_clean_error(with({"--method", "ols", "--cate", cate, "--plot-dir", (dir / "missing").string()}), "--plot-dir: '");
  CHECK_FALSE(std::filesystem::exists(cate));
  require_clean_error(with({"--plot-dir", (dir / "love.svg").string()}), "is not a directory");
  std::filesystem::remove_all(dir);

  require_clean_error(with({"--refute", "--simulations", "1"}), "--simulations");
  require_clean_error(with({"--refute", "--refute-tests", "placebo"}), "--refute-tests: is 'placebo'");
  require_clean_error(with({"--refute", "--refute-tests", "dummy-outcome,dummy-outcome"}),
                      "--refute-tests: names dummy-outcome twice");
  require_clean_error(with({"--simulations", "10"}), "apply with --refute or --report");
  require_clean_error(run({"ate", "--data", psid, "--treatment", "treat", "--outcome", "re78", "--covariates", "age,educ,age"}),
                      "--covariates names 'age' twice");
  require_clean_error(with({"--refute", "--max-seconds", "-1"}), "--max-seconds");
}

TEST_CASE("ate --missing: complete cases equal the pre-filtered file; indicator adds one column per covariate with holes",
          "[cli][ate][missing]") {
  // The NSW file with cells of age and re75 blanked on a fixed pattern (every 7th and every 5th data
  // row), and the same file with those rows removed.
  std::ifstream in(data_dir + "/lalonde/lalonde_nsw_dw.csv");
  std::string header, line;
  std::getline(in, header);
  const auto holes = (std::filesystem::temp_directory_path() / "causalattn_missing_holes.csv").string();
  const auto filtered = (std::filesystem::temp_directory_path() / "causalattn_missing_filtered.csv").string();
  {
    std::ofstream with_holes(holes), without(filtered);
    with_holes << header << "\n";
    without << header << "\n";
    for (int row = 0; std::getline(in, line); ++row) {
      // columns: treat,age,educ,black,hisp,married,nodegree,re74,re75,re78,u74,u75
      std::vector<std::string> cells;
      std::stringstream split(line);
      for (std::string cell; std::getline(split, cell, ',');) cells.push_back(cell);
      const bool age_missing = row % 7 == 3, re75_missing = row % 5 == 1;
      if (!age_missing && !re75_missing) without << line << "\n";
      if (age_missing) cells[1] = "NA";
      if (re75_missing) cells[8] = "";
      for (std::size_t k = 0; k < cells.size(); ++k) with_holes << (k ? "," : "") << cells[k];
      with_holes << "\n";
    }
  }
  auto ate = [&](const std::string& path, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--format",
                                     "json",
                                     "ate",
                                     "--data",
                                     path,
                                     "--treatment",
                                     "treat",
                                     "--outcome",
                                     "re78",
                                     "--covariates",
                                     "age,educ,black,hisp,married,nodegree,re74,re75"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const auto dropped = ate(holes, {"--missing", "complete-cases"});
  const auto direct = ate(filtered, {});
  INFO(dropped.err);
  REQUIRE(dropped.code == 0);
  REQUIRE(direct.code == 0);
  const auto dropped_json = ca::JsonValue::parse(dropped.out), direct_json = ca::JsonValue::parse(direct.out);
  CHECK(dropped_json.at("estimate").as_number() == direct_json.at("estimate").as_number());
  CHECK(dropped_json.at("std_error").as_number() == direct_json.at("std_error").as_number());
  CHECK(dropped_json.at("missing").at("units_kept").as_number() ==
        dropped_json.at("n_treated").as_number() + dropped_json.at("n_control").as_number());
  CHECK(dropped_json.at("missing").at("cells").at("age").as_number() == 64);   // rows 3, 10, ..., 444
  CHECK(dropped_json.at("missing").at("cells").at("re75").as_number() == 89);  // rows 1, 6, ..., 441
  CHECK_THAT(dropped_json.at("diagnostics").at("warnings").as_array()[0].as_string(),
             Contains("units dropped for missing values"));

  const auto imputed = ate(holes, {"--missing", "indicator", "--method", "ebal"});
  INFO(imputed.err);
  REQUIRE(imputed.code == 0);
  const auto imputed_json = ca::JsonValue::parse(imputed.out);
  const auto& covariates = imputed_json.at("covariates").as_array();
  REQUIRE(covariates.size() == 10);
  CHECK(covariates[8].as_string() == "age_missing");
  CHECK(covariates[9].as_string() == "re75_missing");
  CHECK(imputed_json.at("missing").at("indicators").as_array().size() == 2);
  CHECK(imputed_json.at("n_treated").as_number() + imputed_json.at("n_control").as_number() == 445);

  require_clean_error(ate(holes, {}), "line 3, column 9 ('re75'): empty cell (see --missing complete-cases|indicator)");
  require_clean_error(ate(holes, {"--missing", "drop"}), "--missing: is 'drop', must be error, complete-cases or indicator");
  std::remove(holes.c_str());
  std::remove(filtered.c_str());
}
