#pragma once
/// \file
/// Balance and overlap plots as self-contained SVG text: the love plot (standardised mean difference
/// of each covariate before and after weighting) and the mirrored histogram of propensity scores per
/// arm. The output has no script, no external font or stylesheet and no dependency: it opens in any
/// browser and can be embedded in an HTML or Markdown report as it is.
///
/// Every drawn data element carries attributes a program can read back: love-plot markers have
/// `class="before"` or `class="after"` and `data-covariate` (the covariate's index); histogram bars
/// have `class="treated"` or `class="control"`, `data-bin`, `data-count` and `data-share`; the axis
/// groups carry their range (`data-min`, `data-max`) and pixel mapping.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// Options of `love_plot_svg`. Every field has a usable default.
/// Example: `causalattn::LovePlotOptions o; o.absolute = true; o.sort_by_before = true;`
struct LovePlotOptions {
  std::string title = "Covariate balance";  ///< drawn at the top (XML-escaped); empty = no title
  /// Dashed lines at -threshold and +threshold (only +threshold when `absolute`): |SMD| < 0.1 is the
  /// usual balance rule. Finite and >= 0; 0 = no threshold lines.
  double threshold = 0.1;
  bool absolute = false;                          ///< plot |SMD| on an axis that starts at 0 (default: signed SMD)
  bool sort_by_before = false;                    ///< rows ordered by |smd_before|, largest at the top (default: as given)
  int width = 720;                                ///< width in px, in [200, 4000]; the height grows with the rows (18 px each)
  std::string before_label = "before weighting";  ///< legend text of the open circles
  std::string after_label = "after weighting";    ///< legend text of the filled circles

  /// Throws `invalid_input` naming the first bad field ("options.threshold", "options.width"). O(1).
  void validate() const {
    check_finite_positive("options.threshold", threshold, true);
    check_in_range("options.width", width, 200, 4000);
  }
};

/// Options of `overlap_plot_svg`. Every field has a usable default.
/// Example: `causalattn::OverlapPlotOptions o; o.bins = 40; o.trim_low = 0.05; o.trim_high = 0.95;`
struct OverlapPlotOptions {
  std::string title = "Propensity score overlap";  ///< drawn at the top (XML-escaped); empty = no title
  int bins = 20;                                   ///< equal-width bins over [0, 1], in [1, 1000]
  /// Dashed vertical lines marking a trimming rule (e.g. 0.05 and 0.95, or Crump's threshold); each
  /// finite in [0, 1], trim_low < trim_high when both are given. Default: none.
  std::optional<double> trim_low, trim_high;
  int width = 640;                        ///< width in px, in [200, 4000]
  int height = 360;                       ///< height in px, in [200, 4000]
  std::string treated_label = "treated";  ///< legend text of the upward bars (units with treatment 1)
  std::string control_label = "control";  ///< legend text of the downward bars (units with treatment 0)

  /// Throws `invalid_input` naming the first bad field ("options.bins", "options.trim_low", ...). O(1).
  void validate() const {
    check_in_range("options.bins", bins, 1, 1000);
    check_in_range("options.width", width, 200, 4000);
    check_in_range("options.height", height, 200, 4000);
    if (trim_low) check_in_range("options.trim_low", *trim_low, 0.0, 1.0);
    if (trim_high) check_in_range("options.trim_high", *trim_high, 0.0, 1.0);
    if (trim_low && trim_high && !(*trim_low < *trim_high)) {
      throw invalid_input("options.trim_low", "is " + detail::to_text(*trim_low) +
                                                  ", must be below options.trim_high = " + detail::to_text(*trim_high));
    }
  }
};

namespace detail {

/// Length of the well-formed UTF-8 sequence starting at s[i] that XML 1.0 allows, 0 if there is
/// none (a stray continuation byte, an overlong or truncated sequence, a surrogate, U+FFFE/U+FFFF).
template <typename = void>
std::size_t xml_utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  const auto cont = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  const unsigned c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    if (!(byte(1) >= lo && byte(1) <= hi && cont(2))) return 0;
    if (c == 0xEF && byte(1) == 0xBF && (byte(2) == 0xBE || byte(2) == 0xBF)) return 0;  // U+FFFE, U+FFFF
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return byte(1) >= lo && byte(1) <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/// `s` as XML character data or attribute text: & < > " ' become entities, and control characters
/// and invalid UTF-8 (which XML cannot carry) become U+FFFD. O(|s|).
/// Example: `xml_escape("a < b & \"c\"")` is `a &lt; b &amp; &quot;c&quot;`.
template <typename = void>
std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? std::string("\xEF\xBF\xBD") : std::string(1, s[i]);
      }
      ++i;
      continue;
    }
    const std::size_t n = xml_utf8_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

/// Number of characters (UTF-8 code points; each stray byte counts as one) in `s`. O(|s|).
template <typename = void>
std::size_t svg_char_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t len = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : xml_utf8_length(s, i);
    if (len > 1) i += len - 1;
    ++n;
  }
  return n;
}

/// The first `max_chars - 1` characters of `s` followed by an ellipsis when `s` has more than
/// `max_chars` characters, else `s`; the bool says whether it was shortened. O(|s|).
/// Example: `svg_truncate("systolic_blood_pressure", 10).first` is "systolic_…".
template <typename = void>
std::pair<std::string, bool> svg_truncate(std::string_view s, std::size_t max_chars) {
  if (max_chars < 2 || svg_char_count(s) <= max_chars) return {std::string(s), false};
  std::size_t i = 0;
  for (std::size_t n = 0; n + 1 < max_chars && i < s.size(); ++n) {
    const std::size_t len = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : xml_utf8_length(s, i);
    i += len == 0 ? 1 : len;
  }
  return {std::string(s.substr(0, i)) + "\xE2\x80\xA6", true};
}

/// `v` in fixed notation with at most `decimals` decimals, trailing zeros dropped, never "-0"; for
/// coordinates and tick labels. Falls back to 4 significant digits beyond 1e15. O(1).
/// Example: `svg_number(12.5)` is "12.5", `svg_number(3.14159)` is "3.14", `svg_number(-0.001)` is "0".
template <typename = void>
std::string svg_number(double v, int decimals = 2) {
  char buffer[64];
  std::to_chars_result r{};
  if (std::abs(v) < 1e15) {
    r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::fixed, decimals);
  } else {
    r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::general, 4);
  }
  std::string s(buffer, r.ptr);
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

/// `v` with the fewest digits that read back as the same double (for data-* attributes a program
/// compares against its inputs). O(1).
template <typename = void>
std::string svg_exact(double v) {
  char buffer[64];
  const auto r = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, r.ptr);
}

/// Axis ticks: `values` run from a multiple of `step` at or below the range's low end to one at or
/// above its high end, `step` is 1, 2, 2.5 or 5 x 10^k, and `decimals` is what the labels need.
struct TickScale {
  std::vector<double> values;  ///< the ticks, ascending; front() <= lo and back() >= hi
  double step = 1;             ///< distance between ticks
  int decimals = 0;            ///< decimals that print every tick exactly (step 0.25 needs 2)
};

/// Nice ticks covering [lo, hi] with about `target` intervals (at most ~2 x target + 2): the step is
/// the smallest 1, 2, 2.5, 5 x 10^k at least (hi - lo) / target, and the ends are rounded outward to
/// multiples of it. An empty range (lo == hi) is widened first. lo and hi must be finite. O(ticks).
/// Example: `nice_ticks(-0.13, 0.42, 5)` gives step 0.2 and ticks -0.2, 0, 0.2, 0.4, 0.6.
template <typename = void>
TickScale nice_ticks(double lo, double hi, int target) {
  if (lo > hi) std::swap(lo, hi);
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : 0.1 * std::abs(lo);
    if (lo >= 0 && lo - pad < 0) {
      hi = lo + pad;
    } else {
      lo -= pad;
      hi += pad;
    }
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  TickScale t;
  int exponent = static_cast<int>(std::floor(std::log10(raw)));
  bool quarter = false;
  t.step = 10 * base;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * base >= raw * (1 - 1e-12)) {
      t.step = m * base;
      quarter = m == 2.5;
      if (m == 10.0) ++exponent;
      break;
    }
  }
  t.decimals = std::max(0, -exponent + (quarter ? 1 : 0));
  double first = std::floor(lo / t.step), last = std::ceil(hi / t.step);
  for (int guard = 0; guard < 4 && first * t.step > lo; ++guard) first -= 1;
  for (int guard = 0; guard < 4 && last * t.step < hi; ++guard) last += 1;
  const auto count = static_cast<long long>(std::llround(last - first));
  for (long long k = 0; k <= count; ++k) {
    const double v = (first + static_cast<double>(k)) * t.step;
    t.values.push_back(std::abs(v) < 1e-9 * t.step ? 0.0 : v);
  }
  // Outward rounding guaranteed even when the products above round inward in the last bit.
  if (t.values.front() > lo) t.values.front() = lo;
  if (t.values.back() < hi) t.values.back() = hi;
  return t;
}

/// Estimated width in px of `chars` characters of sans-serif text at `font_px` (average glyph about
/// 0.56 em). O(1).
template <typename = void>
double svg_text_width(std::size_t chars, double font_px) {
  return 0.56 * font_px * static_cast<double>(chars);
}

/// Where legend entries of the given widths (px) go: left to right from (x0, y0), 20 px apart, on
/// one line when they fit before x_max; else from x = 10, starting a new line 16 px lower when an
/// entry would pass x_max. Returns each entry's (x, baseline y). O(entries).
template <typename = void>
std::vector<std::pair<double, double>> svg_legend_layout(const std::vector<double>& widths, double x0, double x_max, double y0) {
  double total = 0;
  for (const double w : widths) total += w + 20;
  if (x0 + total - 20 > x_max) x0 = std::min(x0, 10.0);
  std::vector<std::pair<double, double>> at;
  double x = x0, y = y0;
  for (const double w : widths) {
    if (x > x0 && x + w > x_max) {
      x = x0;
      y += 16;
    }
    at.emplace_back(x, y);
    x += w + 20;
  }
  return at;
}

/// Throws `invalid_input(argument, ...)` naming the index and covariate of the first non-finite
/// entry of `smd`. O(p).
template <typename Defer = void>
void check_finite_smd(const char* argument, const Eigen::Ref<const Vector<deferred_t<Defer, double>>>& smd,
                      const std::vector<std::string>& covariates) {
  for (Index j = 0; j < smd.size(); ++j) {
    if (!std::isfinite(smd(j))) {
      throw invalid_input(argument, "non-finite value " + to_text(smd(j)) + " at index " + std::to_string(j) + " (covariate '" +
                                        covariates[static_cast<std::size_t>(j)] + "')");
    }
  }
}

/// Opening tag of the root `<svg>` element (white background, generic sans-serif font) and its
/// `<title>` child. O(|title|).
template <typename = void>
std::string svg_open(int width, double height, const std::string& title) {
  const std::string w = std::to_string(width), h = svg_number(std::ceil(height), 0);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w +
                    " " + h + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  out += "<title>" + xml_escape(title) + "</title>\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"white\"/>\n";
  return out;
}

/// The plot's heading, centred at the top in bold 15 px, or smaller (down to 10 px) and then
/// truncated so that it fits `width`; "" for an empty title. O(|title|).
template <typename = void>
std::string svg_heading(const std::string& title, double width) {
  if (title.empty()) return "";
  const double chars = static_cast<double>(std::max<std::size_t>(1, svg_char_count(title)));
  const double font = std::clamp((width - 10) / (0.62 * chars), 10.0, 15.0);
  const auto fit = static_cast<std::size_t>((width - 10) / (0.62 * font));
  return "<text x=\"" + svg_number(width / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"" + svg_number(font, 1) +
         "\" font-weight=\"bold\">" + xml_escape(svg_truncate(title, fit).first) + "</text>\n";
}

/// An axis label of 12 px text centred on `centre` but kept inside [5, width - 5] (`short_text`
/// where `text` is too long for that). O(|text|).
template <typename = void>
std::string svg_axis_label(const std::string& text, const std::string& short_text, double centre, double y, double width) {
  const std::string& chosen = svg_text_width(svg_char_count(text), 12) <= width - 10 ? text : short_text;
  const double half = svg_text_width(svg_char_count(chosen), 12) / 2;
  const double x = std::max(5 + half, std::min(centre, width - 5 - half));
  return "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" text-anchor=\"middle\" font-size=\"12\">" +
         xml_escape(chosen) + "</text>\n";
}

}  // namespace detail

/// The love plot of covariate balance as a self-contained SVG document: one row per covariate (its
/// name at the left, truncated with an ellipsis beyond 28 characters, the full name in a `<title>`
/// tooltip), the standardised mean difference before weighting as an open circle and after weighting
/// as a filled circle, a solid line at 0, dashed lines at +-`options.threshold`, axis ticks at
/// 1, 2, 2.5 or 5 x 10^k covering every value and the thresholds, a legend and a title. The height
/// is 18 px per row plus about 120 px, so 60 covariates give a ~1200 px tall, ~17 KB document.
///
/// \param covariates names of the p covariates (any text; XML-escaped), at least one.
/// \param smd_before p standardised mean differences before weighting (e.g. `diagnostics.smd_before`
///                   of an `EffectEstimate`), finite.
/// \param smd_after  p differences after weighting, finite, or empty when the method has no weights
///                   (then only the open circles are drawn and the legend says so).
/// \param options    title, threshold, |SMD| or signed, row order, width, legend texts.
/// \return the SVG text. Markers have `class="before"` / `class="after"` and `data-covariate` (the
///         covariate's index in `covariates`); the axis group `class="axis"` carries `data-min`,
///         `data-max` (the axis range) and `data-x0`, `data-x1` (their x in px).
/// Throws `invalid_input` naming the argument for an empty list, a size mismatch or a non-finite
/// value (with its index and covariate), and for bad options. O(p log p + total name length).
/// Example:
/// \code
///   const auto r = causalattn::ipw(data);
///   std::string svg = causalattn::love_plot_svg(names, r.diagnostics.smd_before, r.diagnostics.smd_after);
///   causalattn::io::write_file_bytes("balance.svg", svg);
/// \endcode
template <typename Defer = void>
std::string love_plot_svg(const std::vector<std::string>& covariates,
                          const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& smd_before,
                          const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& smd_after,
                          const LovePlotOptions& options = {}) {
  using detail::svg_number;
  options.validate();
  const auto p = static_cast<Index>(covariates.size());
  if (p == 0) throw invalid_input("covariates", "is empty; the plot needs at least one covariate");
  if (smd_before.size() != p) {
    throw invalid_input("smd_before",
                        "has " + std::to_string(smd_before.size()) + " entries for " + std::to_string(p) + " covariates");
  }
  const bool after = smd_after.size() > 0;
  if (after && smd_after.size() != p) {
    throw invalid_input("smd_after", "has " + std::to_string(smd_after.size()) + " entries for " + std::to_string(p) +
                                         " covariates (pass an empty vector when the method has no weights)");
  }
  detail::check_finite_smd<Defer>("smd_before", smd_before, covariates);
  detail::check_finite_smd<Defer>("smd_after", smd_after, covariates);

  const auto shown = [&](double v) { return options.absolute ? std::abs(v) : v; };
  const double t = options.threshold;
  double lo = options.absolute ? 0.0 : std::min(0.0, -t), hi = std::max(0.0, t);
  for (Index j = 0; j < p; ++j) {
    lo = std::min(lo, shown(smd_before(j)));
    hi = std::max(hi, shown(smd_before(j)));
    if (after) {
      lo = std::min(lo, shown(smd_after(j)));
      hi = std::max(hi, shown(smd_after(j)));
    }
  }

  std::vector<Index> order(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) order[static_cast<std::size_t>(j)] = j;
  if (options.sort_by_before) {
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return std::abs(smd_before(a)) > std::abs(smd_before(b)); });
  }

  // Layout (px): title, legend, rows of 18 px, the axis with its labels.
  constexpr std::size_t max_label_chars = 28;
  constexpr double row_h = 18, label_font = 11;
  const double width = options.width;
  std::size_t longest = 1;
  for (const auto& name : covariates) longest = std::max(longest, std::min(max_label_chars, detail::svg_char_count(name)));
  const double label_w = std::min(0.4 * width, std::max(40.0, detail::svg_text_width(longest, label_font)));
  const auto label_chars = std::min(max_label_chars, static_cast<std::size_t>(label_w / (0.56 * label_font) + 1e-6));
  const double plot_left = label_w + 18, plot_right = width - 20, plot_w = plot_right - plot_left;
  const bool has_title = !options.title.empty();
  // Legend entries: open circle, filled circle (or a note that there is none), threshold line.
  const std::string no_after_note = "(no weights: no after series)";
  const std::string threshold_text = "threshold " + std::string(options.absolute ? "|SMD| = " : "\xC2\xB1") + svg_number(t, 6);
  const auto text_w = [](const std::string& text) { return detail::svg_text_width(detail::svg_char_count(text), 12); };
  std::vector<double> legend_w = {14 + text_w(options.before_label),
                                  after ? 14 + text_w(options.after_label) : text_w(no_after_note)};
  if (t > 0) legend_w.push_back(24 + text_w(threshold_text));
  const auto legend_at = detail::svg_legend_layout(legend_w, plot_left, width - 10, has_title ? 46 : 20);
  const double plot_top = legend_at.back().second + 14;
  const double plot_bottom = plot_top + 12 + row_h * static_cast<double>(p);
  const double height = plot_bottom + 50;

  const detail::TickScale ticks = detail::nice_ticks(lo, hi, std::clamp(static_cast<int>(plot_w / 80), 2, 10));
  const double axis_min = ticks.values.front(), axis_max = ticks.values.back();
  const auto px = [&](double v) { return plot_left + (v - axis_min) / (axis_max - axis_min) * plot_w; };
  const auto row_y = [&](std::size_t r) { return plot_top + 6 + row_h * (static_cast<double>(r) + 0.5); };
  const std::string top = svg_number(plot_top), bottom = svg_number(plot_bottom);

  std::string out = detail::svg_open(options.width, height, has_title ? options.title : "Covariate balance");
  out += detail::svg_heading(options.title, width);

  {
    std::string g = "<g class=\"legend\" font-size=\"12\">\n";
    const auto x = [&](std::size_t k, double dx) { return svg_number(legend_at[k].first + dx); };
    const auto y = [&](std::size_t k, double dy) { return svg_number(legend_at[k].second + dy); };
    g += "<circle class=\"legend-before\" cx=\"" + x(0, 5) + "\" cy=\"" + y(0, -4) +
         "\" r=\"4.5\" fill=\"none\" stroke=\"#444\" stroke-width=\"1.5\"/>\n";
    g += "<text x=\"" + x(0, 14) + "\" y=\"" + y(0, 0) + "\">" + detail::xml_escape(options.before_label) + "</text>\n";
    if (after) {
      g += "<circle class=\"legend-after\" cx=\"" + x(1, 5) + "\" cy=\"" + y(1, -4) + "\" r=\"3.5\" fill=\"#1f77b4\"/>\n";
      g += "<text x=\"" + x(1, 14) + "\" y=\"" + y(1, 0) + "\">" + detail::xml_escape(options.after_label) + "</text>\n";
    } else {
      g += "<text class=\"legend-no-after\" x=\"" + x(1, 0) + "\" y=\"" + y(1, 0) + "\" fill=\"#666\">" + no_after_note +
           "</text>\n";
    }
    if (t > 0) {
      g += "<line x1=\"" + x(2, 0) + "\" y1=\"" + y(2, -4) + "\" x2=\"" + x(2, 18) + "\" y2=\"" + y(2, -4) +
           "\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n";
      g += "<text x=\"" + x(2, 24) + "\" y=\"" + y(2, 0) + "\">" + threshold_text + "</text>\n";
    }
    out += g + "</g>\n";
  }

  // Alternate row shading, so a name is easy to follow to its markers.
  out += "<g class=\"rows\" fill=\"#f3f3f3\">\n";
  for (std::size_t r = 1; r < order.size(); r += 2) {
    out += "<rect x=\"" + svg_number(plot_left) + "\" y=\"" + svg_number(row_y(r) - row_h / 2) + "\" width=\"" +
           svg_number(plot_w) + "\" height=\"" + svg_number(row_h) + "\"/>\n";
  }
  out += "</g>\n";

  // Axis: grid lines, ticks and labels at the bottom, the axis label.
  out += "<g class=\"axis\" data-min=\"" + detail::svg_exact(axis_min) + "\" data-max=\"" + detail::svg_exact(axis_max) +
         "\" data-x0=\"" + svg_number(plot_left) + "\" data-x1=\"" + svg_number(plot_right) + "\">\n";
  for (const double v : ticks.values) {
    const std::string x = svg_number(px(v));
    out += "<line x1=\"" + x + "\" y1=\"" + top + "\" x2=\"" + x + "\" y2=\"" + svg_number(plot_bottom + 5) +
           "\" stroke=\"#ddd\"/>\n";
    out += "<text class=\"tick\" x=\"" + x + "\" y=\"" + svg_number(plot_bottom + 18) + "\" text-anchor=\"middle\">" +
           svg_number(v, ticks.decimals) + "</text>\n";
  }
  out += "<rect x=\"" + svg_number(plot_left) + "\" y=\"" + top + "\" width=\"" + svg_number(plot_w) + "\" height=\"" +
         svg_number(plot_bottom - plot_top) + "\" fill=\"none\" stroke=\"#999\"/>\n";
  out += detail::svg_axis_label(options.absolute ? "Absolute standardised mean difference" : "Standardised mean difference",
                                options.absolute ? "|SMD|" : "SMD", plot_left + plot_w / 2, plot_bottom + 38, width);
  out += "</g>\n";

  // Reference lines: dashed at the thresholds, solid at 0.
  const auto vline = [&](double v, const char* cls, const char* style) {
    const std::string x = svg_number(px(v));
    return "<line class=\"" + std::string(cls) + "\" x1=\"" + x + "\" y1=\"" + top + "\" x2=\"" + x + "\" y2=\"" + bottom +
           "\" " + style + "/>\n";
  };
  if (t > 0) {
    if (!options.absolute) out += vline(-t, "threshold", "stroke=\"#888\" stroke-dasharray=\"4 3\"");
    out += vline(t, "threshold", "stroke=\"#888\" stroke-dasharray=\"4 3\"");
  }
  out += vline(0, "zero", "stroke=\"#333\"");

  // Covariate names, right-aligned against the plot.
  out += "<g class=\"labels\" text-anchor=\"end\">\n";
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto j = order[r];
    const std::string& name = covariates[static_cast<std::size_t>(j)];
    const auto [text, cut] = detail::svg_truncate(name, label_chars);
    out += "<text data-covariate=\"" + std::to_string(j) + "\" x=\"" + svg_number(plot_left - 8) + "\" y=\"" +
           svg_number(row_y(r) + 4) + "\">";
    if (cut) out += "<title>" + detail::xml_escape(name) + "</title>";
    out += detail::xml_escape(text) + "</text>\n";
  }
  out += "</g>\n";

  // Markers: open circles before, filled circles after (drawn on top, smaller, so both show).
  const auto markers = [&](const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& smd, const char* cls,
                           const char* group_style, const char* r_attr) {
    std::string g = "<g class=\"markers-" + std::string(cls) + "\" " + group_style + ">\n";
    for (std::size_t r = 0; r < order.size(); ++r) {
      const auto j = order[r];
      g += "<circle class=\"" + std::string(cls) + "\" data-covariate=\"" + std::to_string(j) + "\" cx=\"" +
           svg_number(px(shown(smd(j)))) + "\" cy=\"" + svg_number(row_y(r)) + "\" r=\"" + r_attr + "\"/>\n";
    }
    return g + "</g>\n";
  };
  out += markers(smd_before, "before", "fill=\"none\" stroke=\"#444\" stroke-width=\"1.5\"", "4.5");
  if (after) out += markers(smd_after, "after", "fill=\"#1f77b4\"", "3.5");
  out += "</svg>\n";
  return out;
}

/// The propensity-score overlap plot as a self-contained SVG document: a mirrored histogram over
/// [0, 1] with `options.bins` equal-width bins, the treated arm's bars drawn upward from a horizontal
/// axis and the control arm's downward. Bar heights are the share of the arm's units in the bin (the
/// y labels are percentages), so arms of very different sizes compare; both arms use one scale. The
/// x axis has ticks at 0, 0.25, 0.5, 0.75 and 1; `options.trim_low` / `trim_high` add dashed lines.
/// A value of exactly 1 falls in the last bin; bin b is [b / bins, (b + 1) / bins).
///
/// \param propensity n propensity scores, each finite in [0, 1] (e.g. `propensity_overlap(data).propensity`).
/// \param treatment  n treatment indicators, each exactly 0 or 1, both values present.
/// \param options    bins, trimming lines, size, title, legend texts.
/// \return the SVG text. Bars have `class="treated"` / `class="control"`, `data-bin`, `data-count`
///         (units in the bin) and `data-share` (count / arm size, exact); there are `bins` bars per
///         arm, empty bins with height 0. The group `class="axis"` carries `data-baseline` (y of the
///         axis between the arms, px), `data-scale` (px per unit share) and `data-max` (top share).
/// Throws `invalid_input` naming the argument for sizes that differ, an empty input, a value outside
/// [0, 1] or non-finite (with its row), a treatment that is not 0 / 1 (with its row), an arm with no
/// units, and bad options. O(n + bins).
/// Example:
/// \code
///   const auto o = causalattn::propensity_overlap(data);
///   causalattn::OverlapPlotOptions opt;
///   opt.trim_low = 0.05;
///   opt.trim_high = 0.95;
///   std::string svg = causalattn::overlap_plot_svg(o.propensity, data.t(), opt);
/// \endcode
template <typename Defer = void>
std::string overlap_plot_svg(const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& propensity,
                             const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& treatment,
                             const OverlapPlotOptions& options = {}) {
  using detail::svg_number;
  options.validate();
  const Index n = propensity.size();
  if (n == 0) throw invalid_input("propensity", "is empty; the plot needs units of both arms");
  if (treatment.size() != n) {
    throw invalid_input("treatment",
                        "has " + std::to_string(treatment.size()) + " entries for " + std::to_string(n) + " propensity scores");
  }
  for (Index i = 0; i < n; ++i) {
    const double e = propensity(i);
    if (!std::isfinite(e))
      throw invalid_input("propensity", "non-finite value " + detail::to_text(e) + " at row " + std::to_string(i));
    if (e < 0 || e > 1) {
      throw invalid_input("propensity", "value " + detail::to_text(e) + " at row " + std::to_string(i) + " lies outside [0, 1]");
    }
    if (!(treatment(i) == 0 || treatment(i) == 1)) {
      throw invalid_input("treatment",
                          "value " + detail::to_text(treatment(i)) + " at row " + std::to_string(i) + " is not 0 or 1");
    }
  }

  const auto bins = static_cast<std::size_t>(options.bins);
  std::vector<long long> counts[2] = {std::vector<long long>(bins, 0), std::vector<long long>(bins, 0)};
  long long arm_size[2] = {0, 0};
  for (Index i = 0; i < n; ++i) {
    const int arm = treatment(i) == 1 ? 1 : 0;
    const auto b = std::min(bins - 1, static_cast<std::size_t>(propensity(i) * static_cast<double>(bins)));
    ++counts[arm][b];
    ++arm_size[arm];
  }
  if (arm_size[1] == 0) throw invalid_input("treatment", "has no treated units (every entry is 0); the plot needs both arms");
  if (arm_size[0] == 0) throw invalid_input("treatment", "has no control units (every entry is 1); the plot needs both arms");
  double top_share = 0;
  for (int arm = 0; arm < 2; ++arm)
    for (const long long c : counts[arm])
      top_share = std::max(top_share, static_cast<double>(c) / static_cast<double>(arm_size[arm]));

  // Layout (px).
  const double width = options.width, height = options.height;
  const bool has_title = !options.title.empty();
  const double plot_left = 56, plot_right = width - 20, plot_w = plot_right - plot_left;
  // Legend entries: a swatch and "treated (n = ...)", then the control arm, then the trimming lines.
  const std::string arm_text[2] = {options.control_label + " (n = " + std::to_string(arm_size[0]) + ")",
                                   options.treated_label + " (n = " + std::to_string(arm_size[1]) + ")"};
  const bool trims = options.trim_low || options.trim_high;
  const auto text_w = [](const std::string& text) { return detail::svg_text_width(detail::svg_char_count(text), 12); };
  std::vector<double> legend_w = {16 + text_w(arm_text[1]), 16 + text_w(arm_text[0])};
  if (trims) legend_w.push_back(24 + text_w("trimming"));
  const auto legend_at = detail::svg_legend_layout(legend_w, plot_left, width - 10, has_title ? 46 : 20);
  const double plot_top = legend_at.back().second + 16;
  const double plot_bottom = height - 44, baseline = (plot_top + plot_bottom) / 2, half = (plot_bottom - plot_top) / 2;
  const detail::TickScale yticks = detail::nice_ticks(0, top_share, std::clamp(static_cast<int>(half / 35), 1, 5));
  const double share_max = yticks.values.back(), scale = half / share_max;
  const auto px = [&](double e) { return plot_left + e * plot_w; };
  const std::string top = svg_number(plot_top), bottom = svg_number(plot_bottom);
  const std::string colour[2] = {"#ff7f0e", "#1f77b4"};

  std::string out = detail::svg_open(options.width, height, has_title ? options.title : "Propensity score overlap");
  out += detail::svg_heading(options.title, width);

  {
    out += "<g class=\"legend\" font-size=\"12\">\n";
    const auto x = [&](std::size_t k, double dx) { return svg_number(legend_at[k].first + dx); };
    const auto y = [&](std::size_t k, double dy) { return svg_number(legend_at[k].second + dy); };
    for (const int arm : {1, 0}) {
      const std::size_t k = arm == 1 ? 0 : 1;
      out += "<rect x=\"" + x(k, 0) + "\" y=\"" + y(k, -10) + "\" width=\"11\" height=\"11\" fill=\"" + colour[arm] + "\"/>\n";
      out += "<text x=\"" + x(k, 16) + "\" y=\"" + y(k, 0) + "\">" + detail::xml_escape(arm_text[arm]) + "</text>\n";
    }
    if (trims) {
      out += "<line x1=\"" + x(2, 0) + "\" y1=\"" + y(2, -4) + "\" x2=\"" + x(2, 18) + "\" y2=\"" + y(2, -4) +
             "\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n";
      out += "<text x=\"" + x(2, 24) + "\" y=\"" + y(2, 0) + "\">trimming</text>\n";
    }
    out += "</g>\n";
  }

  // Axes: vertical grid at the x ticks, horizontal grid at the share ticks (mirrored), labels.
  out += "<g class=\"axis\" data-baseline=\"" + svg_number(baseline) + "\" data-scale=\"" + detail::svg_exact(scale) +
         "\" data-max=\"" + detail::svg_exact(share_max) + "\" data-x0=\"" + svg_number(plot_left) + "\" data-x1=\"" +
         svg_number(plot_right) + "\">\n";
  for (const double e : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const std::string x = svg_number(px(e));
    out += "<line x1=\"" + x + "\" y1=\"" + top + "\" x2=\"" + x + "\" y2=\"" + svg_number(plot_bottom + 5) +
           "\" stroke=\"#e3e3e3\"/>\n";
    out += "<text class=\"tick\" x=\"" + x + "\" y=\"" + svg_number(plot_bottom + 17) + "\" text-anchor=\"middle\">" +
           svg_number(e) + "</text>\n";
  }
  out += "<g text-anchor=\"end\">\n";
  for (const double s : yticks.values) {
    const std::string text = svg_number(100 * s, std::max(0, yticks.decimals - 2)) + "%";
    for (const int side : s > 0 ? std::vector<int>{-1, 1} : std::vector<int>{0}) {
      const double y = baseline + side * s * scale;
      if (s > 0) {
        out += "<line x1=\"" + svg_number(plot_left) + "\" y1=\"" + svg_number(y) + "\" x2=\"" + svg_number(plot_right) +
               "\" y2=\"" + svg_number(y) + "\" stroke=\"#e3e3e3\"/>\n";
      }
      out += "<text class=\"tick\" x=\"" + svg_number(plot_left - 6) + "\" y=\"" + svg_number(y + 4) + "\">" + text + "</text>\n";
    }
  }
  out += "</g>\n";
  out += detail::svg_axis_label("Propensity score", "Propensity", plot_left + plot_w / 2, plot_bottom + 36, width);
  // The y axis label, written upward, in its long form where it fits the plot's height.
  std::string y_label = "Share of arm (" + options.treated_label + " up, " + options.control_label + " down)";
  if (text_w(y_label) > plot_bottom - plot_top) y_label = "Share of arm";
  if (text_w(y_label) <= plot_bottom - plot_top) {
    out += "<text transform=\"rotate(-90)\" x=\"" + svg_number(-baseline) +
           "\" y=\"14\" text-anchor=\"middle\" font-size=\"12\">" + detail::xml_escape(y_label) + "</text>\n";
  }
  out += "</g>\n";

  // Bars: treated upward, control downward from the baseline.
  const double bar_w = plot_w / static_cast<double>(bins);
  const char* arm_class[2] = {"control", "treated"};
  for (const int arm : {1, 0}) {
    out += "<g class=\"bars-" + std::string(arm_class[arm]) + "\" fill=\"" + colour[arm] + "\" fill-opacity=\"0.85\"" +
           (bar_w >= 4 ? " stroke=\"white\" stroke-width=\"0.5\"" : "") + ">\n";
    for (std::size_t b = 0; b < bins; ++b) {
      const double share = static_cast<double>(counts[arm][b]) / static_cast<double>(arm_size[arm]);
      const double h = share * scale;
      out += "<rect class=\"" + std::string(arm_class[arm]) + "\" data-bin=\"" + std::to_string(b) + "\" data-count=\"" +
             std::to_string(counts[arm][b]) + "\" data-share=\"" + detail::svg_exact(share) + "\" x=\"" +
             svg_number(plot_left + bar_w * static_cast<double>(b)) + "\" y=\"" + svg_number(arm == 1 ? baseline - h : baseline) +
             "\" width=\"" + svg_number(bar_w) + "\" height=\"" + svg_number(h) + "\"/>\n";
    }
    out += "</g>\n";
  }

  // The axis between the arms, the frame, and the trimming lines on top.
  out += "<line class=\"baseline\" x1=\"" + svg_number(plot_left) + "\" y1=\"" + svg_number(baseline) + "\" x2=\"" +
         svg_number(plot_right) + "\" y2=\"" + svg_number(baseline) + "\" stroke=\"#333\"/>\n";
  out += "<rect x=\"" + svg_number(plot_left) + "\" y=\"" + top + "\" width=\"" + svg_number(plot_w) + "\" height=\"" +
         svg_number(plot_bottom - plot_top) + "\" fill=\"none\" stroke=\"#999\"/>\n";
  for (const auto& trim : {options.trim_low, options.trim_high}) {
    if (!trim) continue;
    const std::string x = svg_number(px(*trim));
    out += "<line class=\"trim\" data-value=\"" + detail::svg_exact(*trim) + "\" x1=\"" + x + "\" y1=\"" + top + "\" x2=\"" + x +
           "\" y2=\"" + bottom + "\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace causalattn
