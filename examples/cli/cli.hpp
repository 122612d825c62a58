#pragma once
// The causalattn command-line tool: a registry of subcommands, global options and error handling.
// main.cpp only forwards argc/argv to run_cli, so the tests drive the tool in-process. The
// subcommands live in the *_commands.cpp files (the causalattn_cli_lib library), compiled once for the
// tool and its tests.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/core/version.hpp"
#include "causalattn/discovery/skeleton_options.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn_cli {

/// How results are printed: human-readable text, one JSON document, or (lagged only) a DOT graph.
enum class OutputFormat { text, json, dot };

/// A usage mistake (unknown option, missing argument): reported like invalid input, exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a subcommand gets: its arguments, the output format and the two streams.
struct Invocation {
  std::vector<std::string> args;             ///< arguments after the subcommand name
  OutputFormat format = OutputFormat::text;  ///< from --format
  std::ostream& out;                         ///< results
  std::ostream& err;                         ///< diagnostics
  bool writes_results = true;                ///< false on MPI ranks other than 0: `emit_text` writes nothing
};

/// One subcommand: name, one-line summary, usage line and the function that runs it (returns the
/// exit code; throws usage_error or causalattn::invalid_input on bad input).
struct Command {
  std::string name;
  std::string summary;
  std::string usage;
  std::function<int(Invocation&)> run;
};

/// The subcommands by name. Later modules register pc, fci, attention-graph, ate and lagged here.
class CommandRegistry {
 public:
  /// Adds a command; a second command with the same name is a programming error.
  void add(Command command) {
    const std::string name = command.name;
    if (!commands_.emplace(name, std::move(command)).second) throw std::logic_error("duplicate command " + name);
  }
  /// The command called `name`, or nullptr.
  const Command* find(const std::string& name) const {
    const auto it = commands_.find(name);
    return it == commands_.end() ? nullptr : &it->second;
  }
  /// All commands, sorted by name.
  const std::map<std::string, Command>& all() const { return commands_; }

 private:
  std::map<std::string, Command> commands_;
};

/// Splits "--key=value" / "--key value" options and positional arguments of a subcommand.
class ArgumentList {
 public:
  /// `flags` are options that take no value.
  ArgumentList(const std::vector<std::string>& args, const std::vector<std::string>& options_with_value,
               const std::vector<std::string>& flags = {}) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.size() < 2 || a[0] != '-' || a == "-") {
        positional_.push_back(a);
        continue;
      }
      std::string key = a, value;
      const auto eq = a.find('=');
      if (eq != std::string::npos) {
        key = a.substr(0, eq);
        value = a.substr(eq + 1);
      }
      const bool takes_value = std::find(options_with_value.begin(), options_with_value.end(), key) != options_with_value.end();
      const bool is_flag = std::find(flags.begin(), flags.end(), key) != flags.end();
      if (!takes_value && !is_flag) throw usage_error("unknown option '" + key + "'");
      if (is_flag) {
        if (eq != std::string::npos) throw usage_error("option '" + key + "' takes no value");
        options_[key] = "true";
        continue;
      }
      if (eq == std::string::npos) {
        if (i + 1 >= args.size()) throw usage_error("option '" + key + "' needs a value");
        value = args[++i];
      }
      options_[key] = value;
    }
  }
  /// The value of option `key`, or `fallback` if absent.
  std::string get(const std::string& key, const std::string& fallback = "") const {
    const auto it = options_.find(key);
    return it == options_.end() ? fallback : it->second;
  }
  /// True if option `key` was given.
  bool has(const std::string& key) const { return options_.count(key) != 0; }
  /// Positional arguments in order.
  const std::vector<std::string>& positional() const { return positional_; }
  /// Throws usage_error unless there are between `min` and `max` positional arguments.
  void expect_positional(std::size_t min, std::size_t max, const std::string& usage) const {
    if (positional_.size() < min || positional_.size() > max) throw usage_error("usage: " + usage);
  }

 private:
  std::map<std::string, std::string> options_;
  std::vector<std::string> positional_;
};

/// The switches of every command that reads a data table: --no-header (the first line is data; the
/// columns are named X1, X2, ...) and --numeric-header (the first line's numbers name the columns,
/// as "0,1,2,..." in public fMRI benchmarks).
inline const std::vector<std::string> table_switches = {"--no-header", "--numeric-header"};

/// Refuses values whose squares leave double's normal range (|v| > 1e150 or 0 < |v| < 1e-150):
/// variances, correlations and regressions on them overflow or lose every digit, and results would
/// be silently wrong. Names the column, row and value; rescaling the column is the remedy.
inline void check_magnitudes(const causalattn::CsvTable<double>& table, const std::string& path) {
  for (causalattn::Index j = 0; j < table.data.cols(); ++j)
    for (causalattn::Index i = 0; i < table.data.rows(); ++i) {
      const double v = std::abs(table.data(i, j));
      if (v > 1e150 || (v > 0 && v < 1e-150)) {
        throw causalattn::invalid_input(path, "column '" + table.names[std::size_t(j)] + "', data row " + std::to_string(i + 1) +
                                                  " holds " + causalattn::detail::to_text(table.data(i, j)) +
                                                  ": its square leaves double's range (|value| must lie in [1e-150, 1e150] or be 0); "
                                                  "rescale the column");
      }
    }
}

/// Reads the data table `path` with `options` and the header switches of `args`; a first line of
/// numbers without either switch is an error that names both. With `check_range`, values whose
/// squares leave double's range are refused (`check_magnitudes`); `describe` summarises them stably.
inline causalattn::CsvTable<double> read_data_table(const ArgumentList& args, const std::string& path,
                                                   causalattn::CsvOptions options = {}, bool check_range = true) {
  if (args.has("--no-header") && args.has("--numeric-header")) throw usage_error("give --no-header or --numeric-header, not both");
  options.has_header = !args.has("--no-header");
  options.allow_numeric_header = args.has("--numeric-header");
  try {
    auto table = causalattn::read_csv<double>(path, options);
    if (check_range) check_magnitudes(table, path);
    return table;
  } catch (const causalattn::invalid_input& e) {
    if (e.detail().find("holds only numbers") == std::string::npos) throw;
    throw causalattn::invalid_input(e.argument(), "line 1 holds only numbers: pass --no-header if it is data (the columns are then "
                                                  "X1, X2, ...) or --numeric-header if the numbers name the columns");
  }
}

/// Splits "a,b,c" into {"a", "b", "c"} at `delimiter` (empty input gives an empty list).
inline std::vector<std::string> split_list(const std::string& text, char delimiter = ',') {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    const auto at = text.find(delimiter, pos);
    out.push_back(text.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) break;
    pos = at + 1;
  }
  return out;
}

/// Parses `text`, the value (or one list entry) of option `key`, as an integer in [lo, hi]; throws
/// usage_error naming the option otherwise.
inline int parse_integer(const std::string& key, const std::string& text, int lo, int hi) {
  int value = 0;
  if (causalattn::io::parse_number(text, value) != causalattn::io::NumberStatus::ok || value < lo || value > hi) {
    throw usage_error(key + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + text + "'");
  }
  return value;
}

/// Parses an integer option in [lo, hi]; throws usage_error naming the option otherwise.
inline int integer_option(const ArgumentList& args, const std::string& key, int fallback, int lo, int hi) {
  return args.has(key) ? parse_integer(key, args.get(key), lo, hi) : fallback;
}

/// Parses `text`, the value (or one list entry) of option `key`, as a number; throws usage_error
/// naming the option otherwise.
inline double parse_number_argument(const std::string& key, const std::string& text) {
  double value = 0;
  if (causalattn::io::parse_number(text, value) != causalattn::io::NumberStatus::ok) {
    throw usage_error(key + " must be a number, got '" + text + "'");
  }
  return value;
}

/// Parses a number option; throws usage_error naming it otherwise.
inline double number_option(const ArgumentList& args, const std::string& key, double fallback) {
  return args.has(key) ? parse_number_argument(key, args.get(key)) : fallback;
}

/// The value of `name` among `choices` (name, value), given to option `key`; throws usage_error
/// listing the names otherwise. Example: `choose("--format", "json", {{"text", F::text}, {"json", F::json}})`.
template <class T>
T choose(const std::string& key, const std::string& name, const std::vector<std::pair<std::string, T>>& choices) {
  for (const auto& choice : choices)
    if (choice.first == name) return choice.second;
  std::string names;
  for (std::size_t k = 0; k < choices.size(); ++k) names += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + choices[k].first;
  throw usage_error(key + " must be " + names + ", got '" + name + "'");
}

/// The value named by option `key` among `choices` (name, value), or `fallback_name`'s when the
/// option is absent; throws usage_error listing the names otherwise.
/// Example: `choice_option(args, "--validation", {{"tail", V::tail}, {"interleaved", V::interleaved}}, "tail")`.
template <class T>
T choice_option(const ArgumentList& args, const std::string& key, const std::vector<std::pair<std::string, T>>& choices,
                const std::string& fallback_name) {
  return choose(key, args.get(key, fallback_name), choices);
}

/// A subcommand's own --format (text or json; also dot with `allow_dot`), defaulting to the global one.
inline OutputFormat format_option(const ArgumentList& args, OutputFormat global, bool allow_dot = false) {
  std::vector<std::pair<std::string, OutputFormat>> choices = {{"text", OutputFormat::text}, {"json", OutputFormat::json}};
  if (allow_dot) choices.emplace_back("dot", OutputFormat::dot);
  return choice_option(args, "--format", choices, global == OutputFormat::json ? "json" : "text");
}

/// The graph format `--format` names (default tetrad, or json when the global `--format json` was
/// given; "pcalg" = the amat of `pcalg_kind`).
inline causalattn::GraphFormat graph_format_option(const ArgumentList& args, const std::string& pcalg_kind, OutputFormat global) {
  const std::string name = args.get("--format", global == OutputFormat::json ? "json" : "tetrad");
  return causalattn::graph_format_from_name(name == "pcalg" ? pcalg_kind : name);
}

/// A matrix as JSON rows (row index first).
inline causalattn::JsonValue matrix_json(const causalattn::Matrix<double>& m) {
  causalattn::JsonValue rows = causalattn::JsonValue::array();
  for (causalattn::Index i = 0; i < m.rows(); ++i) {
    causalattn::JsonValue row = causalattn::JsonValue::array();
    for (causalattn::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// Writes `text` to the file --output names (every subcommand's one output flag), or to stdout without it.
inline void emit_text(Invocation& call, const ArgumentList& args, const std::string& text) {
  if (!call.writes_results) return;
  if (args.has("--output")) causalattn::io::write_file_bytes(args.get("--output"), text);
  else call.out << text;
}

/// `text` with every "column <k>" and "variable <k>" (0-based) replaced by the k-th name in quotes,
/// so that the library's positional messages name the data file's columns.
/// Example: `name_columns("column 1 is constant", {"a", "b"}) == "column 'b' is constant"`.
inline std::string name_columns(const std::string& text, const std::vector<std::string>& names) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    for (const std::string word : {"column ", "variable "}) {
      if (text.compare(i, word.size(), word) != 0) continue;
      std::size_t end = i + word.size();
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      if (end == i + word.size() || end - i - word.size() > 9) continue;
      const std::size_t k = std::stoul(text.substr(i + word.size(), end - i - word.size()));
      if (k >= names.size()) continue;
      out += word + "'" + names[k] + "'";
      i = end;
      replaced = true;
      break;
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

/// Calls `body()`; an `invalid_input` about the data's columns (argument "data" or "x") comes out
/// naming them (`name_columns`) and attributed to `source` (the data file or flag); one about the
/// background knowledge ("knowledge", "tier") is attributed to its flags.
template <class Body>
auto with_column_names(const std::vector<std::string>& names, const std::string& source, Body&& body) {
  try {
    return body();
  } catch (const causalattn::invalid_input& e) {
    const std::string& a = e.argument();
    if (a != "data" && a != "x" && a != "knowledge" && a != "tier") throw;
    const bool knowledge = a == "knowledge" || a == "tier";
    throw causalattn::invalid_input(knowledge ? "--tiers/--require/--forbid" : source, name_columns(e.detail(), names));
  }
}

/// Prints progress lines "<text>" on `err` with the elapsed seconds: on a terminal one line
/// rewritten in place; in a log (not a terminal) a line every 10 seconds, so a log never fills
/// with carriage returns.
inline std::function<void(const std::string&, double)> progress_printer(std::ostream& err) {
  const bool terminal = &err == &std::cerr && ::isatty(2) != 0;
  auto next_line = std::make_shared<double>(10.0);
  return [&err, terminal, next_line](const std::string& text, double seconds) {
    if (terminal) {
      err << "\r" << text << ", " << int(seconds) << " s   " << std::flush;
    } else if (seconds >= *next_line) {
      *next_line = seconds + 10;
      err << text << " after " << int(seconds) << " s\n" << std::flush;
    }
  };
}

/// A progress report for long searches ("pc: 1200 tests") on `err` (`progress_printer`).
inline std::function<void(long long, double)> progress_reporter(std::ostream& err, const std::string& what) {
  return [print = progress_printer(err), what](long long tests, double seconds) {
    print(what + ": " + std::to_string(tests) + " tests", seconds);
  };
}

/// A progress bar for PC, FCI and CD-NOD ("pc: depth 2, 340 of <= 1200 tests (2210 in all)") on `err`
/// (`progress_printer`). The bound counts every set of the depth's frozen adjacencies; an edge
/// removed early skips the rest of its sets, so a depth usually ends below it.
inline std::function<void(const causalattn::SearchProgress&)> search_progress_reporter(std::ostream& err,
                                                                                       const std::string& what) {
  return [print = progress_printer(err), what](const causalattn::SearchProgress& p) {
    const std::string tests = std::to_string(p.tests) + " tests";
    print(p.depth < 0 ? what + ": orienting, " + tests
                      : what + ": depth " + std::to_string(p.depth) + ", " + std::to_string(p.depth_tests) +
                            " of <= " + std::to_string(p.depth_bound) + " tests (" + tests + " in all)",
          p.seconds);
  };
}

/// A progress report of counted work ("bootstrap: 120 of 1000") on `err` (`progress_printer`).
inline std::function<void(const std::string&, long long, long long)> stage_reporter(std::ostream& err) {
  return [print = progress_printer(err), start = std::chrono::steady_clock::now()](const std::string& stage, long long done,
                                                                                   long long total) {
    print(stage + ": " + std::to_string(done) + " of " + std::to_string(total),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
}

/// Prints the top-level help: usage, global options and the registered subcommands.
inline void print_help(const CommandRegistry& registry, std::ostream& out) {
  out << "causalattn " << causalattn::version_string()
      << ": treatment effects, causal discovery and lagged causal graphs\n\n"
         "usage: causalattn [--format text|json] <command> [arguments]\n"
         "       causalattn <command> --help\n\n"
         "global options:\n"
         "  --format text|json   output format (default text)\n"
         "  -h, --help           this help\n\n"
         "commands:\n";
  for (const auto& [name, command] : registry.all()) {
    out << "  " << name << std::string(name.size() < 18 ? 18 - name.size() : 1, ' ') << command.summary << "\n";
  }
}

/// The library's messages name its option fields ("options.clip", "options.cina.epochs"); a tool
/// user knows flags. Rewrites each "options.<a>.<b>" as "--<b>" with '_' as '-'.
/// Example: `as_flags("set options.ridge") == "set --ridge"`.
inline std::string as_flags(const std::string& message) {
  std::string out;
  const std::string prefix = "options.";
  std::size_t i = 0;
  while (i < message.size()) {
    if (message.compare(i, prefix.size(), prefix) != 0) {
      out += message[i++];
      continue;
    }
    std::size_t end = i + prefix.size(), last = end;
    auto word = [&](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    while (end < message.size() && (word(message[end]) || (message[end] == '.' && end + 1 < message.size() && word(message[end + 1])))) {
      if (message[end] == '.') last = end + 1;
      ++end;
    }
    if (end == i + prefix.size()) {
      out += message[i++];
      continue;
    }
    std::string flag = message.substr(last, end - last);
    std::replace(flag.begin(), flag.end(), '_', '-');
    out += "--" + flag;
    i = end;
  }
  return out;
}

/// Runs the tool: global options, then the subcommand. Returns the exit code: 0 success, 2 bad
/// input or usage (one line "causalattn: error: ..." on `err`), 3 a numerical failure on valid
/// input (one line "causalattn: numerical failure: ..."), 4 out of memory, 5 stopped at a budget
/// (--max-seconds), 1 an unexpected internal failure. With `writes_results` false (MPI ranks
/// other than 0) the command computes but writes no result.
inline int run_cli(const CommandRegistry& registry, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
                   bool writes_results = true) {
  try {
    OutputFormat format = OutputFormat::text;
    std::size_t i = 0;
    for (; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "-h" || a == "--help") {
        print_help(registry, out);
        return 0;
      }
      if (a == "--version") {
        out << causalattn::version_string() << "\n";
        return 0;
      }
      if (a == "--format" || a.rfind("--format=", 0) == 0) {
        std::string value;
        if (a == "--format") {
          if (i + 1 >= argv.size()) throw usage_error("option '--format' needs a value (text or json)");
          value = argv[++i];
        } else {
          value = a.substr(9);
        }
        format = choose<OutputFormat>("--format", value, {{"text", OutputFormat::text}, {"json", OutputFormat::json}});
        continue;
      }
      if (!a.empty() && a[0] == '-') throw usage_error("unknown option '" + a + "' (see causalattn --help)");
      break;
    }
    if (i >= argv.size()) throw usage_error("no command given (see causalattn --help)");
    const Command* command = registry.find(argv[i]);
    if (command == nullptr) throw usage_error("unknown command '" + argv[i] + "' (see causalattn --help)");
    Invocation invocation{{argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end()}, format, out, err, writes_results};
    for (const auto& a : invocation.args) {
      if (a == "-h" || a == "--help") {
        out << command->summary << "\n\nusage: " << command->usage << "\n";
        return 0;
      }
    }
    // One --threads governs every parallel region of the run, Eigen's products included (the
    // command itself validates the value).
    int threads = 0;
    for (std::size_t k = 0; k < invocation.args.size(); ++k) {
      const std::string& a = invocation.args[k];
      if (a == "--threads" && k + 1 < invocation.args.size()) threads = std::max(0, std::atoi(invocation.args[k + 1].c_str()));
      if (a.rfind("--threads=", 0) == 0) threads = std::max(0, std::atoi(a.c_str() + 10));
    }
    const causalattn::ThreadLimit limit(threads);
    return command->run(invocation);
  } catch (const usage_error& e) {
    err << "causalattn: error: " << e.what() << "\n";
  } catch (const causalattn::invalid_input& e) {
    err << "causalattn: error: " << as_flags(e.argument()) << ": " << as_flags(e.detail()) << "\n";
  } catch (const causalattn::numerical_error& e) {
    const std::string what = e.what(), prefix = "causalattn: ";
    err << "causalattn: numerical failure: " << as_flags(what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what) << "\n";
    return 3;
  } catch (const causalattn::budget_exceeded& e) {
    const std::string what = e.what(), prefix = "causalattn: ";
    err << "causalattn: stopped: " << as_flags(what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what) << "\n";
    return 5;
  } catch (const std::bad_alloc&) {
    err << "causalattn: error: out of memory (the input is too large for this machine)\n";
    return 4;
  } catch (const std::exception& e) {
    err << "causalattn: internal error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

}  // namespace causalattn_cli
