#include "causalattn/io/svg_plots.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "invalid_input_message.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

namespace {

// One start tag of the document, its attributes (entities decoded) and its own character data.
struct SvgElement {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;
  std::string parent;

  bool has(const std::string& key, const std::string& value) const {
    const auto it = attrs.find(key);
    return it != attrs.end() && it->second == value;
  }
  double number(const std::string& key) const {
    const auto it = attrs.find(key);
    REQUIRE(it != attrs.end());
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    REQUIRE(end != it->second.c_str());
    REQUIRE(*end == '\0');
    return v;
  }
};

// Well-formedness of the XML subset an SVG writer emits: valid UTF-8 without control characters,
// balanced and properly nested tags, quoted attributes without '<' and without duplicates, '&' only
// in entities, exactly one root <svg>, no text outside it. Returns "" when well-formed, else what is
// wrong and where; `elements` receives the start tags in document order.
std::string svg_check_xml(const std::string& xml, std::vector<SvgElement>* elements = nullptr) {
  std::vector<SvgElement> found;
  std::vector<std::size_t> open;  // indices into `found` of the elements not yet closed
  std::size_t i = 0;
  int roots = 0;
  const auto where = [&](const std::string& what) {
    const std::size_t from = i > 30 ? i - 30 : 0;
    return what + " at offset " + std::to_string(i) + " near '" + xml.substr(from, 60) + "'";
  };
  // UTF-8 and control characters, over the whole document.
  for (std::size_t k = 0; k < xml.size();) {
    const auto c = static_cast<unsigned char>(xml[k]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || k + len > xml.size()) return "invalid UTF-8 at offset " + std::to_string(k);
    for (std::size_t m = 1; m < len; ++m)
      if ((static_cast<unsigned char>(xml[k + m]) & 0xC0) != 0x80) return "invalid UTF-8 at offset " + std::to_string(k);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "control character at offset " + std::to_string(k);
    k += len;
  }
  const auto is_name_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  const auto is_name_char = [&](char c) {
    return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  };
  const auto read_name = [&]() {
    const std::size_t start = i;
    if (i < xml.size() && is_name_start(xml[i])) {
      while (i < xml.size() && is_name_char(xml[i])) ++i;
    }
    return xml.substr(start, i - start);
  };
  const auto skip_space = [&]() {
    const std::size_t start = i;
    while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i]))) ++i;
    return i > start;
  };
  // At '&': decodes one entity into `out`; false if it is not one.
  const auto entity = [&](std::string& out) {
    const std::size_t semi = xml.find(';', i);
    if (semi == std::string::npos || semi - i > 10) return false;
    const std::string name = xml.substr(i + 1, semi - i - 1);
    static const std::map<std::string, std::string> named = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
    if (named.count(name)) {
      out += named.at(name);
    } else if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x';
      const std::string digits = name.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char d : digits)
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(d)) : std::isdigit(static_cast<unsigned char>(d)))) return false;
      out += '?';
    } else {
      return false;
    }
    i = semi + 1;
    return true;
  };

  while (i < xml.size()) {
    if (xml[i] != '<') {
      if (open.empty()) {
        if (!std::isspace(static_cast<unsigned char>(xml[i]))) return where("text outside the root element");
        ++i;
      } else if (xml[i] == '&') {
        if (!entity(found[open.back()].text)) return where("'&' that starts no entity");
      } else {
        found[open.back()].text += xml[i++];
      }
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      const std::size_t end = xml.find("-->", i + 4);
      if (end == std::string::npos) return where("unterminated comment");
      i = end + 3;
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0) {
      if (i != 0) return where("processing instruction not at the start");
      const std::size_t end = xml.find("?>", i);
      if (end == std::string::npos) return where("unterminated processing instruction");
      i = end + 2;
      continue;
    }
    if (xml.compare(i, 2, "<!") == 0) return where("unexpected markup declaration");
    if (xml.compare(i, 2, "</") == 0) {
      i += 2;
      const std::string name = read_name();
      skip_space();
      if (i >= xml.size() || xml[i] != '>') return where("malformed end tag");
      if (open.empty() || found[open.back()].name != name) return where("end tag </" + name + "> does not match");
      open.pop_back();
      ++i;
      continue;
    }
    ++i;
    SvgElement e;
    e.name = read_name();
    if (e.name.empty()) return where("'<' that starts no tag");
    if (open.empty()) {
      if (++roots > 1) return where("a second root element");
      if (e.name != "svg") return where("root element <" + e.name + "> is not <svg>");
    } else {
      e.parent = found[open.back()].name;
    }
    bool self_closing = false;
    for (;;) {
      const bool space = skip_space();
      if (i >= xml.size()) return where("unterminated start tag");
      if (xml[i] == '>') {
        ++i;
        break;
      }
      if (xml[i] == '/') {
        if (xml.compare(i, 2, "/>") != 0) return where("stray '/' in a start tag");
        i += 2;
        self_closing = true;
        break;
      }
      if (!space) return where("attributes not separated by whitespace");
      const std::string key = read_name();
      if (key.empty()) return where("malformed attribute name");
      skip_space();
      if (i >= xml.size() || xml[i] != '=') return where("attribute " + key + " without '='");
      ++i;
      skip_space();
      if (i >= xml.size() || (xml[i] != '"' && xml[i] != '\'')) return where("attribute " + key + " not quoted");
      const char quote = xml[i++];
      std::string value;
      while (i < xml.size() && xml[i] != quote) {
        if (xml[i] == '<') return where("'<' in the value of " + key);
        if (xml[i] == '&') {
          if (!entity(value)) return where("'&' that starts no entity in the value of " + key);
        } else {
          value += xml[i++];
        }
      }
      if (i >= xml.size()) return where("unterminated value of " + key);
      ++i;
      if (!e.attrs.emplace(key, value).second) return where("duplicate attribute " + key);
    }
    found.push_back(e);
    if (!self_closing) open.push_back(found.size() - 1);
  }
  if (!open.empty()) return "unclosed <" + found[open.back()].name + ">";
  if (roots != 1) return "no root element";
  if (elements) *elements = std::move(found);
  return "";
}

// The elements of a document that must be well-formed (fails the test otherwise).
std::vector<SvgElement> svg_elements(const std::string& svg) {
  std::vector<SvgElement> elements;
  const std::string error = svg_check_xml(svg, &elements);
  INFO(svg.substr(0, 400));
  REQUIRE(error == "");
  REQUIRE(elements.front().has("xmlns", "http://www.w3.org/2000/svg"));
  for (const char* key : {"width", "height", "viewBox"}) REQUIRE(elements.front().attrs.count(key) == 1);
  return elements;
}

// The elements with class `cls`, in document order.
std::vector<SvgElement> svg_with_class(const std::vector<SvgElement>& elements, const std::string& cls) {
  std::vector<SvgElement> out;
  for (const auto& e : elements)
    if (e.has("class", cls)) out.push_back(e);
  return out;
}

// Requires that `markers` carry data-`key` 0, ..., count - 1, each exactly once.
void svg_require_each_index_once(const std::vector<SvgElement>& markers, const std::string& key, int count) {
  REQUIRE(static_cast<int>(markers.size()) == count);
  std::set<int> seen;
  for (const auto& m : markers) {
    const double v = m.number(key);
    REQUIRE(v == std::floor(v));
    REQUIRE(v >= 0);
    REQUIRE(v < count);
    REQUIRE(seen.insert(static_cast<int>(v)).second);
  }
}

// p covariate names (every seventh longer than 28 characters) and SMDs before and after weighting.
struct SvgBalance {
  std::vector<std::string> names;
  Eigen::VectorXd before, after;
};

SvgBalance svg_balance(int p) {
  SvgBalance b;
  b.before.resize(p);
  b.after.resize(p);
  for (int j = 0; j < p; ++j) {
    b.names.push_back(j % 7 == 3 ? "a_rather_long_covariate_name_number_" + std::to_string(j) : "x" + std::to_string(j));
    b.before(j) = 0.9 * std::sin(1.3 * j + 0.5);
    b.after(j) = 0.07 * std::cos(2.1 * j);
  }
  return b;
}

// Number of UTF-8 code points in s.
std::size_t svg_code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

TEST_CASE("SVG checker accepts well-formed and rejects malformed documents", "[io][svg]") {
  REQUIRE(svg_check_xml("<svg a=\"1\"><g><text>x &amp; y &#38; &#x26;</text></g><rect b='2'/></svg>\n") == "");
  for (const char* bad : {"<svg><g></svg>", "<svg></g></svg>", "<svg a=1/>", "<svg>a & b</svg>", "<svg>a < b</svg>",
                          "<svg a=\"<\"/>", "<svg/><svg/>", "<g/>", "text<svg/>", "<svg a=\"1\" a=\"2\"/>", "<svg>",
                          "<svg a=\"1\"b=\"2\"/>", "<svg>\x01</svg>", "<svg>\xff</svg>", "<svg>&nbsp;</svg>"}) {
    INFO(bad);
    REQUIRE(svg_check_xml(bad) != "");
  }
}

TEST_CASE("SVG helpers escape text and choose nice ticks", "[io][svg]") {
  REQUIRE(ca::detail::xml_escape("a < b & \"c\" 'd' > e") == "a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e");
  REQUIRE(ca::detail::xml_escape("caf\xc3\xa9") == "caf\xc3\xa9");
  REQUIRE(ca::detail::xml_escape("a\x01z\xff") == "a\xEF\xBF\xBDz\xEF\xBF\xBD");
  REQUIRE(ca::detail::svg_number(12.5) == "12.5");
  REQUIRE(ca::detail::svg_number(3.14159) == "3.14");
  REQUIRE(ca::detail::svg_number(-0.001) == "0");
  REQUIRE(ca::detail::svg_number(7.0) == "7");

  const double ranges[][2] = {{-0.13, 0.42}, {0, 0.1}, {-2.2, 3.7}, {0, 0}, {-1e-4, 3e-4}, {0, 137}, {-0.1, 0.1}, {0.3, 0.3}};
  for (const auto& r : ranges) {
    for (int target : {2, 5, 8}) {
      INFO("range [" << r[0] << ", " << r[1] << "], target " << target);
      const auto t = ca::detail::nice_ticks(r[0], r[1], target);
      REQUIRE(t.values.size() >= 2);
      REQUIRE(t.values.size() <= static_cast<std::size_t>(2 * target + 3));
      REQUIRE(t.values.front() <= r[0]);
      REQUIRE(t.values.back() >= r[1]);
      REQUIRE(t.values.back() > t.values.front());
      const double mantissa = t.step / std::pow(10.0, std::floor(std::log10(t.step) + 1e-9));
      const bool nice = std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 2.5) < 1e-9 ||
                        std::abs(mantissa - 5) < 1e-9;
      REQUIRE(nice);
      for (std::size_t k = 1; k < t.values.size(); ++k) REQUIRE(t.values[k] - t.values[k - 1] == Approx(t.step));
      for (double v : t.values) REQUIRE(std::abs(v / t.step - std::round(v / t.step)) < 1e-6);
    }
  }
  REQUIRE(ca::detail::nice_ticks(-0.13, 0.42, 5).step == Approx(0.2));
  REQUIRE(ca::detail::nice_ticks(0, 1, 4).step == Approx(0.25));
  REQUIRE(ca::detail::nice_ticks(0, 1, 4).decimals == 2);
}

TEST_CASE("SVG love plot: well-formed, one marker per covariate per series, small files", "[io][svg]") {
  for (int p : {1, 5, 60}) {
    INFO("p = " << p);
    const auto b = svg_balance(p);
    const std::string svg = ca::love_plot_svg(b.names, b.before, b.after);
    INFO("bytes: " << svg.size());
    const auto elements = svg_elements(svg);
    svg_require_each_index_once(svg_with_class(elements, "before"), "data-covariate", p);
    svg_require_each_index_once(svg_with_class(elements, "after"), "data-covariate", p);
    // One label per covariate, in the given order from the top.
    std::vector<SvgElement> labels;
    for (const auto& e : elements)
      if (e.name == "text" && e.attrs.count("data-covariate")) labels.push_back(e);
    svg_require_each_index_once(labels, "data-covariate", p);
    for (std::size_t r = 1; r < labels.size(); ++r) {
      REQUIRE(labels[r].number("data-covariate") == static_cast<double>(r));
      REQUIRE(labels[r].number("y") > labels[r - 1].number("y"));
    }
    // Height grows with the rows: about 16-18 px each plus a fixed margin.
    const double height = elements.front().number("height");
    REQUIRE(height >= 100 + 16 * p);
    REQUIRE(height <= 160 + 18 * p);
    REQUIRE(svg.size() < 30000);
    REQUIRE_THAT(svg, Contains("Covariate balance") && Contains("Standardised mean difference"));
    REQUIRE(svg.find("<script") == std::string::npos);
  }
}

TEST_CASE("SVG love plot: the axis covers every SMD and threshold and places markers on it", "[io][svg]") {
  struct Case {
    Eigen::VectorXd before, after;
    double threshold;
    bool absolute;
  };
  std::vector<Case> cases;
  Eigen::VectorXd v1(4), w1(4), v2(3), w2(3), v3(2), w3(2);
  v1 << 0.05, -0.02, 0.03, 0.0;  // all inside the threshold: the threshold sets the range
  w1 << 0.01, 0.0, -0.01, 0.02;
  v2 << 3.7, -2.2, 0.4;
  w2 << 0.3, -0.15, 0.05;
  v3 << -0.8, -1.35;  // all negative
  w3 << -0.2, 0.26;
  cases.push_back({v1, w1, 0.1, false});
  cases.push_back({v1, w1, 0.25, true});
  cases.push_back({v2, w2, 0.1, false});
  cases.push_back({v2, w2, 0.1, true});
  cases.push_back({v3, w3, 0.0, false});
  cases.push_back({v3, Eigen::VectorXd(), 0.5, false});
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const auto& k = cases[c];
    INFO("case " << c);
    std::vector<std::string> names;
    for (Eigen::Index j = 0; j < k.before.size(); ++j) names.push_back("v" + std::to_string(j));
    ca::LovePlotOptions options;
    options.threshold = k.threshold;
    options.absolute = k.absolute;
    const auto elements = svg_elements(ca::love_plot_svg(names, k.before, k.after, options));
    const auto axes = svg_with_class(elements, "axis");
    REQUIRE(axes.size() == 1);
    const double lo = axes[0].number("data-min"), hi = axes[0].number("data-max");
    const double x0 = axes[0].number("data-x0"), x1 = axes[0].number("data-x1");
    REQUIRE(x1 > x0);
    REQUIRE(lo <= 0);
    REQUIRE(hi >= k.threshold);
    if (k.absolute) REQUIRE(lo == 0);
    if (!k.absolute) REQUIRE(lo <= -k.threshold);
    const auto shown = [&](double v) { return k.absolute ? std::abs(v) : v; };
    for (const char* series : {"before", "after"}) {
      const Eigen::VectorXd& smd = std::string(series) == "before" ? k.before : k.after;
      const auto markers = svg_with_class(elements, series);
      REQUIRE(static_cast<Eigen::Index>(markers.size()) == smd.size());
      for (const auto& m : markers) {
        const double v = shown(smd(static_cast<Eigen::Index>(m.number("data-covariate"))));
        REQUIRE(lo <= v);
        REQUIRE(hi >= v);
        REQUIRE(m.number("cx") == Approx(x0 + (v - lo) / (hi - lo) * (x1 - x0)).margin(0.011));
      }
    }
    // Tick labels: evenly spaced nice numbers from data-min to data-max.
    std::vector<double> ticks;
    for (const auto& e : svg_with_class(elements, "tick")) ticks.push_back(std::strtod(e.text.c_str(), nullptr));
    REQUIRE(ticks.size() >= 2);
    REQUIRE(ticks.front() == Approx(lo).margin(1e-12));
    REQUIRE(ticks.back() == Approx(hi).margin(1e-12));
    for (std::size_t t = 1; t < ticks.size(); ++t) REQUIRE(ticks[t] - ticks[t - 1] == Approx(ticks[1] - ticks[0]));
    // Threshold lines: two when signed, one when absolute, none at 0.
    const std::size_t lines = svg_with_class(elements, "threshold").size();
    REQUIRE(lines == (k.threshold == 0 ? 0u : k.absolute ? 1u : 2u));
    REQUIRE(svg_with_class(elements, "zero").size() == 1);
  }
}

TEST_CASE("SVG love plot escapes names and title, truncates long names with the full name as a tooltip", "[io][svg]") {
  const std::string long_name = "systolic_blood_pressure_at_baseline_visit";  // 41 characters
  const std::vector<std::string> names = {"a&b",     "<script>alert(1)</script>", "\"quoted\" 'single'", "x > y",
                                          long_name, "bad\x01\xff bytes",         "caf\xc3\xa9"};
  Eigen::VectorXd before(7), after(7);
  before << 0.1, 0.2, -0.3, 0.4, 0.5, 0.6, -0.7;
  after << 0.01, 0.02, -0.03, 0.04, 0.05, 0.06, -0.07;
  ca::LovePlotOptions options;
  options.title = "Balance <IPW> & \"friends\"";
  const std::string svg = ca::love_plot_svg(names, before, after, options);
  const auto elements = svg_elements(svg);
  REQUIRE(svg.find("<script") == std::string::npos);
  REQUIRE_THAT(svg, Contains("a&amp;b") && Contains("&lt;script&gt;") && Contains("&quot;quoted&quot; &apos;single&apos;") &&
                        Contains("x &gt; y") && Contains("Balance &lt;IPW&gt; &amp; &quot;friends&quot;") &&
                        Contains("caf\xc3\xa9"));
  std::map<int, SvgElement> label;
  for (const auto& e : elements)
    if (e.name == "text" && e.attrs.count("data-covariate")) label[static_cast<int>(e.number("data-covariate"))] = e;
  REQUIRE(label.size() == 7);
  REQUIRE(label[0].text == "a&b");
  REQUIRE(label[1].text == "<script>alert(1)</script>");
  REQUIRE(label[3].text == "x > y");
  // The long name: 28 characters ending in an ellipsis, the full name in a <title> child.
  REQUIRE(svg_code_points(label[4].text) == 28);
  REQUIRE(label[4].text == long_name.substr(0, 27) + "\xE2\x80\xA6");
  bool tooltip = false;
  for (const auto& e : elements) tooltip = tooltip || (e.name == "title" && e.parent == "text" && e.text == long_name);
  REQUIRE(tooltip);
  // Short names get no tooltip.
  std::size_t titles_in_text = 0;
  for (const auto& e : elements) titles_in_text += e.name == "title" && e.parent == "text";
  REQUIRE(titles_in_text == 1);
}

TEST_CASE("SVG love plot without weights draws only the before series and says so", "[io][svg]") {
  const auto b = svg_balance(12);
  const std::string svg = ca::love_plot_svg(b.names, b.before, Eigen::VectorXd());
  const auto elements = svg_elements(svg);
  svg_require_each_index_once(svg_with_class(elements, "before"), "data-covariate", 12);
  REQUIRE(svg_with_class(elements, "after").empty());
  REQUIRE(svg_with_class(elements, "legend-after").empty());
  REQUIRE(svg_with_class(elements, "legend-no-after").size() == 1);
  REQUIRE_THAT(svg, Contains("no weights"));
  // With weights the legend has the filled marker and no such note.
  const std::string weighted = ca::love_plot_svg(b.names, b.before, b.after);
  REQUIRE(svg_with_class(svg_elements(weighted), "legend-after").size() == 1);
  REQUIRE_THAT(weighted, !Contains("no weights"));
}

TEST_CASE("SVG love plot rows: as given, or by |SMD before| descending", "[io][svg]") {
  const auto b = svg_balance(20);
  for (bool sort : {false, true}) {
    INFO("sort_by_before " << sort);
    ca::LovePlotOptions options;
    options.sort_by_before = sort;
    auto markers = svg_with_class(svg_elements(ca::love_plot_svg(b.names, b.before, b.after, options)), "before");
    std::stable_sort(markers.begin(), markers.end(),
                     [](const SvgElement& x, const SvgElement& y) { return x.number("cy") < y.number("cy"); });
    std::vector<int> expected(20);
    std::iota(expected.begin(), expected.end(), 0);
    if (sort) {
      std::stable_sort(expected.begin(), expected.end(),
                       [&](int x, int y) { return std::abs(b.before(x)) > std::abs(b.before(y)); });
    }
    for (std::size_t r = 0; r < markers.size(); ++r) {
      REQUIRE(static_cast<int>(markers[r].number("data-covariate")) == expected[r]);
      if (r > 0) REQUIRE(markers[r].number("cy") > markers[r - 1].number("cy"));
    }
  }
}

TEST_CASE("SVG overlap plot: mirrored shares per arm, each unit counted once", "[io][svg]") {
  struct Arms {
    Eigen::VectorXd e, t;
  };
  std::vector<Arms> inputs;
  {
    Arms small;  // 3 treated, 2 control, with the edge values 0, 0.5 and 1
    small.e.resize(5);
    small.t.resize(5);
    small.e << 0.0, 0.5, 1.0, 0.31, 0.999;
    small.t << 1, 0, 1, 0, 1;
    inputs.push_back(small);
    Arms large;  // 5000 units, about 10% treated
    large.e.resize(5000);
    large.t.resize(5000);
    for (int i = 0; i < 5000; ++i) {
      const double u = std::fmod(0.6180339887 * (i + 1), 1.0);
      large.t(i) = i % 10 == 0 ? 1 : 0;
      large.e(i) = large.t(i) == 1 ? 0.3 + 0.7 * u * u : 0.6 * u * u * u;
    }
    inputs.push_back(large);
  }
  for (std::size_t c = 0; c < inputs.size(); ++c) {
    for (int bins : {1, 7, 20, 200}) {
      const auto& in = inputs[c];
      INFO("input " << c << ", bins " << bins);
      ca::OverlapPlotOptions options;
      options.bins = bins;
      const std::string svg = ca::overlap_plot_svg(in.e, in.t, options);
      INFO("bytes: " << svg.size());
      const auto elements = svg_elements(svg);
      const auto axes = svg_with_class(elements, "axis");
      REQUIRE(axes.size() == 1);
      const double baseline = axes[0].number("data-baseline"), scale = axes[0].number("data-scale");
      const double x0 = axes[0].number("data-x0"), x1 = axes[0].number("data-x1");
      double tallest = 0;
      for (const int arm : {0, 1}) {
        const std::string cls = arm == 1 ? "treated" : "control";
        std::vector<long long> expected(static_cast<std::size_t>(bins), 0);
        long long size = 0;
        for (Eigen::Index i = 0; i < in.e.size(); ++i) {
          if (in.t(i) != arm) continue;
          ++size;
          ++expected[std::min<std::size_t>(static_cast<std::size_t>(bins) - 1, static_cast<std::size_t>(in.e(i) * bins))];
        }
        const auto bars = svg_with_class(elements, cls);
        svg_require_each_index_once(bars, "data-bin", bins);
        long long counted = 0;
        double share_sum = 0;
        for (const auto& bar : bars) {
          const auto b = static_cast<std::size_t>(bar.number("data-bin"));
          const double share = bar.number("data-share");
          REQUIRE(bar.number("data-count") == static_cast<double>(expected[b]));
          REQUIRE(share == Approx(static_cast<double>(expected[b]) / static_cast<double>(size)).margin(1e-15));
          counted += static_cast<long long>(bar.number("data-count"));
          share_sum += share;
          // Treated bars stand on the baseline, control bars hang from it, both on one scale.
          const double y = bar.number("y"), h = bar.number("height");
          REQUIRE(h == Approx(share * scale).margin(0.011));
          REQUIRE((arm == 1 ? y + h : y) == Approx(baseline).margin(0.011));
          REQUIRE(bar.number("x") == Approx(x0 + (x1 - x0) * static_cast<double>(b) / bins).margin(0.011));
          tallest = std::max(tallest, h);
        }
        REQUIRE(counted == size);
        REQUIRE(share_sum == Approx(1.0).margin(1e-12));
        REQUIRE_THAT(svg, Contains(cls + " (n = " + std::to_string(size) + ")"));
      }
      // The tallest bar fits in its half of the plot (the top tick, data-max, is at or above it) and
      // fills at least 40% of it.
      const double half = axes[0].number("data-max") * scale;
      REQUIRE(tallest <= half + 0.011);
      REQUIRE(tallest >= 0.4 * half);
      REQUIRE(baseline - half > 0);
      REQUIRE(baseline + half < elements.front().number("height"));
      // x ticks at 0, 0.25, ..., 1 and percentage y labels.
      std::vector<std::string> x_ticks, y_ticks;
      for (const auto& e : svg_with_class(elements, "tick")) (e.text.back() == '%' ? y_ticks : x_ticks).push_back(e.text);
      REQUIRE(x_ticks == std::vector<std::string>{"0", "0.25", "0.5", "0.75", "1"});
      REQUIRE(y_ticks.size() >= 3);
      REQUIRE(svg_with_class(elements, "trim").empty());
      REQUIRE_THAT(svg, Contains("Propensity score overlap"));
    }
  }
}

TEST_CASE("SVG overlap plot draws the trimming lines it is given", "[io][svg]") {
  Eigen::VectorXd e(6), t(6);
  e << 0.02, 0.2, 0.4, 0.6, 0.8, 0.97;
  t << 0, 0, 1, 0, 1, 1;
  ca::OverlapPlotOptions options;
  options.trim_low = 0.05;
  options.trim_high = 0.95;
  options.title = "Overlap & trimming";
  options.width = 300;
  options.height = 200;
  const std::string svg = ca::overlap_plot_svg(e, t, options);
  const auto elements = svg_elements(svg);
  const auto lines = svg_with_class(elements, "trim");
  REQUIRE(lines.size() == 2);
  const auto axes = svg_with_class(elements, "axis");
  const double x0 = axes[0].number("data-x0"), x1 = axes[0].number("data-x1");
  REQUIRE(lines[0].number("x1") == Approx(x0 + 0.05 * (x1 - x0)).margin(0.011));
  REQUIRE(lines[1].number("x1") == Approx(x0 + 0.95 * (x1 - x0)).margin(0.011));
  REQUIRE(elements.front().number("width") == 300);
  REQUIRE_THAT(svg, Contains("Overlap &amp; trimming"));
  options.trim_high.reset();
  REQUIRE(svg_with_class(svg_elements(ca::overlap_plot_svg(e, t, options)), "trim").size() == 1);
}

TEST_CASE("SVG plots reject bad input naming the argument", "[io][svg]") {
  using ca::test::invalid_input_message;
  const std::vector<std::string> names = {"a", "b", "c", "d", "e"};
  Eigen::VectorXd before(5), after(5), four(4), none;
  before << 0.1, -0.2, 0.3, 0.0, 0.05;
  after << 0.01, -0.02, 0.03, 0.0, 0.005;
  four << 0.1, 0.2, 0.3, 0.4;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

  REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg({}, none, none); }), Contains("covariates") && Contains("empty"));
  REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, four, after); }),
               Contains("smd_before") && Contains("4 entries for 5 covariates"));
  REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, before, four); }),
               Contains("smd_after") && Contains("4 entries for 5 covariates"));
  Eigen::VectorXd bad = before;
  bad(2) = nan;
  REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, bad, after); }),
               Contains("smd_before") && Contains("index 2") && Contains("'c'") && Contains("nan"));
  bad = after;
  bad(4) = -inf;
  REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, before, bad); }),
               Contains("smd_after") && Contains("index 4") && Contains("'e'"));
  for (double threshold : {-0.1, nan, inf}) {
    ca::LovePlotOptions o;
    o.threshold = threshold;
    REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, before, after, o); }), Contains("options.threshold"));
  }
  for (int width : {199, 4001, 0}) {
    ca::LovePlotOptions o;
    o.width = width;
    REQUIRE_THAT(invalid_input_message([&] { ca::love_plot_svg(names, before, after, o); }), Contains("options.width"));
  }
  ca::LovePlotOptions edge;
  edge.threshold = 0;
  edge.width = 200;
  REQUIRE_NOTHROW(svg_elements(ca::love_plot_svg(names, before, after, edge)));

  Eigen::VectorXd e(5), t(5);
  e << 0.1, 0.4, 0.5, 0.7, 0.9;
  t << 0, 1, 0, 1, 1;
  REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, four); }),
               Contains("treatment") && Contains("4 entries for 5"));
  REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(none, none); }), Contains("propensity") && Contains("empty"));
  for (double value : {1.2, -0.01, nan, inf}) {
    Eigen::VectorXd p = e;
    p(3) = value;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(p, t); }), Contains("propensity") && Contains("row 3"));
  }
  for (double value : {2.0, 0.5, -1.0, nan}) {
    Eigen::VectorXd z = t;
    z(1) = value;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, z); }),
                 Contains("treatment") && Contains("row 1") && Contains("not 0 or 1"));
  }
  REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, Eigen::VectorXd::Ones(5)); }),
               Contains("treatment") && Contains("no control units"));
  REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, Eigen::VectorXd::Zero(5)); }),
               Contains("treatment") && Contains("no treated units"));
  for (int bins : {0, 1001, -3}) {
    ca::OverlapPlotOptions o;
    o.bins = bins;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }), Contains("options.bins"));
  }
  {
    ca::OverlapPlotOptions o;
    o.width = 100;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }), Contains("options.width"));
    for (int height : {199, 4001}) {
      o = {};
      o.height = height;
      REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }), Contains("options.height"));
    }
    o = {};
    o.trim_low = 1.5;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }), Contains("options.trim_low"));
    o = {};
    o.trim_high = nan;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }), Contains("options.trim_high"));
    o = {};
    o.trim_low = 0.6;
    o.trim_high = 0.4;
    REQUIRE_THAT(invalid_input_message([&] { ca::overlap_plot_svg(e, t, o); }),
                 Contains("options.trim_low") && Contains("options.trim_high"));
  }
  ca::OverlapPlotOptions edge_bins;
  edge_bins.bins = 1000;
  REQUIRE_NOTHROW(svg_elements(ca::overlap_plot_svg(e, t, edge_bins)));
}
