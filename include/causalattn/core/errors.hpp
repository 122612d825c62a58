#pragma once
/// \file
/// The exception types the library throws: bad input, numerical failure, budget reached.

#include <stdexcept>
#include <string>

namespace causalattn {

/// Thrown when an argument is unusable (wrong shape, non-finite value, malformed file, out-of-range
/// option). The message always names the argument and, where there is one, the offending row,
/// column, line or value: "causalattn: data: non-finite value nan at row 3, column 1".
/// Example: `try { ... } catch (const causalattn::invalid_input& e) { std::cerr << e.what(); }`
class invalid_input : public std::invalid_argument {
 public:
  /// \param argument the parameter or file the problem is in ("data", "options.alpha", "x.csv").
  /// \param detail   what is wrong, with the offending position and value.
  invalid_input(const std::string& argument, const std::string& detail)
      : std::invalid_argument("causalattn: " + argument + ": " + detail), argument_(argument), detail_(detail) {}

  /// The argument named in the message, for programs that map errors to their own inputs.
  const std::string& argument() const noexcept { return argument_; }
  /// What is wrong, without the "causalattn: <argument>: " prefix, for callers that re-word or
  /// re-attribute the error. Example: `throw invalid_input("x", "segment 2: " + e.detail());`
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string argument_;
  std::string detail_;
};

/// Thrown when a computation on valid input fails numerically (a singular system that cannot be
/// regularised, an optimiser that diverged) and the result type has no status to report it in.
class numerical_error : public std::runtime_error {
 public:
  /// \param what description of the failure, including the quantity and the value that failed.
  explicit numerical_error(const std::string& what) : std::runtime_error("causalattn: " + what) {}
};

/// Thrown when a computation reaches the budget its options set (e.g. `max_seconds`) before it
/// finishes; the message says how far it got and which option to raise.
class budget_exceeded : public std::runtime_error {
 public:
  /// \param what how far the computation got and the budget that stopped it.
  explicit budget_exceeded(const std::string& what) : std::runtime_error("causalattn: " + what) {}
};

}  // namespace causalattn
