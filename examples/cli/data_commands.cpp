// Subcommands about the tool itself and about data files: version, describe.

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "causalattn/core/threads.hpp"
#include "causalattn/io/csv.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace causalattn_cli {
namespace {

/// `causalattn version`: library version and build features.
int run_version(Invocation& call) {
  ArgumentList(call.args, {}).expect_positional(0, 0, "causalattn version");
  if (call.format == OutputFormat::json) {
    causalattn::JsonValue v = causalattn::JsonValue::object();
    v.set("version", causalattn::version_string()).set("openmp", causalattn::has_openmp());
    call.out << v.dump() << "\n";
  } else {
    call.out << "causalattn " << causalattn::version_string() << " (OpenMP " << (causalattn::has_openmp() ? "on" : "off")
             << ")\n";
  }
  return 0;
}

/// `causalattn describe FILE [--columns a,b]`: rows, columns and per-column mean, sd, min, max.
int run_describe(Invocation& call) {
  const std::string usage = "causalattn describe FILE.csv [--columns NAME,NAME,...] [--no-header|--numeric-header]";
  const ArgumentList args(call.args, {"--columns"}, table_switches);
  args.expect_positional(1, 1, usage);
  causalattn::CsvOptions options;
  options.columns = split_list(args.get("--columns"));
  const std::string& path = args.positional()[0];
  const auto table = read_data_table(args, path, options, false);
  const auto& x = table.data;
  const auto n = static_cast<double>(x.rows());
  causalattn::JsonValue columns = causalattn::JsonValue::array();
  std::ostringstream text;
  text << path << ": " << x.rows() << " rows x " << x.cols() << " columns\n";
  text << std::left << std::setw(14) << "column" << std::right << std::setw(14) << "mean" << std::setw(14) << "sd"
       << std::setw(14) << "min" << std::setw(14) << "max" << "\n";
  for (causalattn::Index j = 0; j < x.cols(); ++j) {
    // Scale by the largest magnitude first, so columns near the double range do not overflow.
    const double lo = x.col(j).minCoeff(), hi = x.col(j).maxCoeff();
    const double scale = std::max({std::abs(lo), std::abs(hi), 1e-300});
    const Eigen::ArrayXd scaled = x.col(j).array() / scale;
    const double scaled_mean = scaled.mean();
    const double mean = scaled_mean * scale;
    const double sd = x.rows() > 1 ? std::sqrt((scaled - scaled_mean).square().sum() / (n - 1)) * scale : 0.0;
    const auto& name = table.names[static_cast<std::size_t>(j)];
    if (!std::isfinite(sd)) throw causalattn::invalid_input(path, "column '" + name + "': its standard deviation overflows double");
    text << std::left << std::setw(14) << name << std::right << std::setprecision(6) << std::setw(14) << mean
         << std::setw(14) << sd << std::setw(14) << lo << std::setw(14) << hi << "\n";
    if (call.format == OutputFormat::json) {
      causalattn::JsonValue c = causalattn::JsonValue::object();
      c.set("name", name).set("mean", mean).set("sd", sd).set("min", lo).set("max", hi);
      columns.push_back(c);
    }
  }
  if (call.format == OutputFormat::json) {
    causalattn::JsonValue v = causalattn::JsonValue::object();
    v.set("file", path).set("rows", static_cast<long long>(x.rows())).set("columns", columns);
    call.out << v.dump(2) << "\n";
  } else {
    call.out << text.str();
  }
  return 0;
}

}  // namespace

/// Registers version and describe.
void register_data_commands(CommandRegistry& registry) {
  registry.add({"version", "print the library version and build features", "causalattn version", run_version});
  registry.add({"describe", "summarise the numeric columns of a CSV or whitespace-delimited file",
                "causalattn describe FILE.csv [--columns NAME,NAME,...]", run_describe});
}

}  // namespace causalattn_cli
