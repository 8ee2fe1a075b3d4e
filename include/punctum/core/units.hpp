#pragma once
// SI inside: metres, seconds, pascals, newtons. Literals make the unit visible where a number
// enters the code (`0.5_mm`, `4_weeks`); `in_mm(x)` and friends make it visible where it leaves.

namespace punctum {
inline namespace units {

namespace literal_types {
using ld = long double;
using ull = unsigned long long;
}  // namespace literal_types

// Length
constexpr double operator""_m(literal_types::ld v) { return double(v); }
constexpr double operator""_m(literal_types::ull v) { return double(v); }
constexpr double operator""_cm(literal_types::ld v) { return double(v) * 1e-2; }
constexpr double operator""_cm(literal_types::ull v) { return double(v) * 1e-2; }
constexpr double operator""_mm(literal_types::ld v) { return double(v) * 1e-3; }
constexpr double operator""_mm(literal_types::ull v) { return double(v) * 1e-3; }
constexpr double operator""_um(literal_types::ld v) { return double(v) * 1e-6; }
constexpr double operator""_um(literal_types::ull v) { return double(v) * 1e-6; }
// Area
constexpr double operator""_cm2(literal_types::ld v) { return double(v) * 1e-4; }
constexpr double operator""_cm2(literal_types::ull v) { return double(v) * 1e-4; }
// Time
constexpr double operator""_s(literal_types::ld v) { return double(v); }
constexpr double operator""_s(literal_types::ull v) { return double(v); }
constexpr double operator""_min(literal_types::ld v) { return double(v) * 60.0; }
constexpr double operator""_min(literal_types::ull v) { return double(v) * 60.0; }
constexpr double operator""_h(literal_types::ld v) { return double(v) * 3600.0; }
constexpr double operator""_h(literal_types::ull v) { return double(v) * 3600.0; }
constexpr double operator""_days(literal_types::ld v) { return double(v) * 86400.0; }
constexpr double operator""_days(literal_types::ull v) { return double(v) * 86400.0; }
constexpr double operator""_weeks(literal_types::ld v) { return double(v) * 604800.0; }
constexpr double operator""_weeks(literal_types::ull v) { return double(v) * 604800.0; }
constexpr double operator""_years(literal_types::ld v) { return double(v) * 365.25 * 86400.0; }
constexpr double operator""_years(literal_types::ull v) { return double(v) * 365.25 * 86400.0; }
// Pressure / modulus / toughness
constexpr double operator""_Pa(literal_types::ld v) { return double(v); }
constexpr double operator""_Pa(literal_types::ull v) { return double(v); }
constexpr double operator""_kPa(literal_types::ld v) { return double(v) * 1e3; }
constexpr double operator""_kPa(literal_types::ull v) { return double(v) * 1e3; }
constexpr double operator""_MPa(literal_types::ld v) { return double(v) * 1e6; }
constexpr double operator""_MPa(literal_types::ull v) { return double(v) * 1e6; }
constexpr double operator""_J_m2(literal_types::ld v) { return double(v); }
constexpr double operator""_J_m2(literal_types::ull v) { return double(v); }
// Force, frequency, speed
constexpr double operator""_N(literal_types::ld v) { return double(v); }
constexpr double operator""_N(literal_types::ull v) { return double(v); }
constexpr double operator""_mN(literal_types::ld v) { return double(v) * 1e-3; }
constexpr double operator""_mN(literal_types::ull v) { return double(v) * 1e-3; }
constexpr double operator""_Hz(literal_types::ld v) { return double(v); }
constexpr double operator""_Hz(literal_types::ull v) { return double(v); }
constexpr double operator""_m_s(literal_types::ld v) { return double(v); }
constexpr double operator""_m_s(literal_types::ull v) { return double(v); }
constexpr double operator""_mm_s(literal_types::ld v) { return double(v) * 1e-3; }
constexpr double operator""_mm_s(literal_types::ull v) { return double(v) * 1e-3; }

}  // namespace units

// Conversions out of SI, named for the unit they return.
constexpr double in_cm(double metres) { return metres * 1e2; }
constexpr double in_mm(double metres) { return metres * 1e3; }
constexpr double in_um(double metres) { return metres * 1e6; }
constexpr double in_cm2(double square_metres) { return square_metres * 1e4; }
constexpr double in_minutes(double seconds) { return seconds / 60.0; }
constexpr double in_hours(double seconds) { return seconds / 3600.0; }
constexpr double in_days(double seconds) { return seconds / 86400.0; }
constexpr double in_weeks(double seconds) { return seconds / 604800.0; }
constexpr double in_years(double seconds) { return seconds / (365.25 * 86400.0); }
constexpr double in_kPa(double pascals) { return pascals * 1e-3; }
constexpr double in_MPa(double pascals) { return pascals * 1e-6; }
constexpr double in_mN(double newtons) { return newtons * 1e3; }

}  // namespace punctum
