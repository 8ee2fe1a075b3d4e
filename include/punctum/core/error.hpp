#pragma once
// Typed errors. Every bad input names the parameter, the value given, the allowed range and the
// unit, so a user (or a sweep log) can act on the message alone. pybind11 maps InvalidParameter
// to a Python ValueError subclass, punctum.ParameterError.

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace punctum {

class InvalidParameter : public std::invalid_argument {
 public:
  InvalidParameter(std::string parameter, std::string value, std::string allowed, std::string unit)
      : std::invalid_argument(compose(parameter, value, allowed, unit)),
        parameter_(std::move(parameter)),
        value_(std::move(value)),
        allowed_(std::move(allowed)),
        unit_(std::move(unit)) {}

  const std::string& parameter() const noexcept { return parameter_; }
  const std::string& value() const noexcept { return value_; }
  const std::string& allowed() const noexcept { return allowed_; }
  const std::string& unit() const noexcept { return unit_; }

 private:
  static std::string compose(const std::string& p, const std::string& v, const std::string& a,
                             const std::string& u) {
    std::string msg = p + " = " + v;
    if (!u.empty() && u != "1") msg += " " + u;
    msg += " is invalid: allowed " + a;
    if (!u.empty() && u != "1") msg += " (unit: " + u + ")";
    return msg;
  }
  std::string parameter_, value_, allowed_, unit_;
};

/// A solver met a non-finite value; carries where and when, so the run can be diagnosed.
class NumericalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A request would exceed a resource (memory) that can be estimated up front.
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline std::string format_number(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}
}  // namespace detail

/// Throws InvalidParameter unless lo <= value <= hi (and value is finite). `unit` names the unit
/// the caller speaks in; value, lo and hi must be in that unit.
inline void require_in_range(const std::string& parameter, double value, double lo, double hi,
                             const std::string& unit) {
  if (!std::isfinite(value) || value < lo || value > hi) {
    // Appended rather than "[" + ...: GCC 12 warns falsely (-Wrestrict, bug 105329) on that form.
    std::string range("[");
    range.append(detail::format_number(lo)).append(", ").append(detail::format_number(hi)).append("]");
    throw InvalidParameter(parameter, detail::format_number(value), range, unit);
  }
}

/// Throws InvalidParameter unless value > 0 and finite.
inline void require_positive(const std::string& parameter, double value, const std::string& unit) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw InvalidParameter(parameter, detail::format_number(value), "> 0", unit);
  }
}

}  // namespace punctum
