#pragma once
// Devices turn a session into strokes and strokes into punctures, one interface for all:
//
//   auto skin = punctum::SkinModel::preset("cheek", punctum::Sex::female, 45);
//   punctum::Roller roller = punctum::Roller::preset(192, 1.5_mm);
//   punctum::PunctureMap map = roller.treat(skin, {.area = 300_cm2, .passes = 16, .seed = 7});
//
// Every random draw comes from a counter-based stream keyed by (session, stroke, needle), strokes
// are generated in parallel into per-stroke buffers and joined in stroke order: the map is
// identical for any thread count.

#include <memory>
#include <string>

#include "punctum/devices/puncture.hpp"
#include "punctum/mechanics/insertion.hpp"
#include "punctum/skin/skin_model.hpp"

namespace punctum {

/// Operator habits shared by all devices (data/devices/defaults.csv).
struct HandVariation {
  double force_cv = 0.0;          ///< stroke-to-stroke CV of hand force, 1
  double placement_jitter = 0.0;  ///< SD of stroke placement across its direction, m
  double needle_wobble = 0.0;     ///< SD of a tip about its lattice point, m
  static HandVariation standard();
};

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string describe() const = 0;
  /// Every number that shapes the device's punctures (its spec, needle and hand), in a fixed
  /// order and at full precision: what a resumed course must match (describe() rounds).
  virtual std::vector<double> settings() const = 0;
  virtual const Needle& needle() const = 0;
  virtual PunctureMap treat(const SkinModel& skin, const Session& session) const = 0;
};

/// How one roller stroke meets the skin: the self-consistent share of hand force among the needles
/// in contact, and the channel that follows.
struct RollerContact {
  double needles_in_contact = 0.0;  ///< mean number engaged, 1
  double force_per_needle = 0.0;    ///< N
  double entry_speed = 0.0;         ///< tip speed normal to the skin at entry, m/s
  double axis_height = 0.0;         ///< drum axis above the undeformed surface, m
  double entry_angle = 0.0;         ///< needle axis from the normal when the tip enters, rad
  double rigid_sweep = 0.0;         ///< rigid-skin trochoid sweep of the buried tip, m
  InsertionResult insertion;        ///< depth, layers, vessels, tear
};

/// Rigid-skin surface sweep of a needle tip on a drum of radius r with needles of length L when the
/// tip goes `immersion` below the surface: 2 |H phi - (r+L) sin phi|, H = r + L - immersion,
/// cos phi = H / (r+L) (literature.md 2.3).
double roller_rigid_sweep(double drum_radius, double needle_length, double immersion);

class Roller final : public Device {
 public:
  struct Spec {
    double drum_diameter = 20e-3;  ///< m
    double drum_width = 20e-3;     ///< m
    int rows = 8;                  ///< circumferential rows across the width
    int needles_per_row = 24;
    Needle needle{};
    double hand_force = 10.0;      ///< N pressing the drum
    double hand_speed = 20e-3;     ///< m/s rolling speed
    double reposition_time = 1.0;  ///< s between strips
  };
  explicit Roller(Spec spec, HandVariation hand = HandVariation::standard());
  /// 192 (Dermaroller MF8), 540, 600 or 1200 needles (data/devices/rollers.csv).
  static Roller preset(int needles, double needle_length);
  static Spec preset_spec(int needles, double needle_length);

  const Spec& spec() const { return spec_; }
  const Needle& needle() const override { return spec_.needle; }
  std::string describe() const override;
  std::vector<double> settings() const override;
  int needles() const { return spec_.rows * spec_.needles_per_row; }
  /// Holes per pass on rigid skin: N / (pi D w), per m^2.
  double holes_per_area_per_pass() const;
  RollerContact contact(const SkinModel& skin, double hand_force) const;
  PunctureMap treat(const SkinModel& skin, const Session& session) const override;

 private:
  Spec spec_;
  HandVariation hand_;
};

class Pen final : public Device {
 public:
  struct Spec {
    int needles = 12;                  ///< cartridge: 9, 12, 16, 24, 36 or 42
    double depth = 1.0e-3;             ///< depth setting, m (0.25-2.5 mm)
    double frequency = 100.0;          ///< stamps per second, Hz (50-150)
    double hand_speed = 10e-3;         ///< m/s
    double stroke_amplitude = 2e-3;    ///< needle stroke, m: peak tip speed pi f A
    double motor_force = 10.0;         ///< thrust on the whole cartridge, N
    double reposition_time = 0.5;      ///< s between lines
    double needle_diameter = 0.25e-3;  ///< m (cartridge table)
    double active_diameter = 3.5e-3;   ///< m (cartridge table)
    double tip_radius = 4e-6;          ///< m
    double cone_half_angle = 10.0 * 3.14159265358979323846 / 180.0;  ///< rad
  };
  explicit Pen(Spec spec, HandVariation hand = HandVariation::standard());
  /// A cartridge from data/devices/pen_cartridges.csv set to `depth` (m), the other fields at
  /// their defaults. The stroke must cover the depth setting: deep settings (2-2.5 mm, on pens
  /// that offer them) take a stroke equal to the depth.
  static Spec cartridge(int needles, double depth);
  /// The cartridge at the default depth setting (Spec::depth).
  static Spec cartridge(int needles) { return cartridge(needles, Spec{}.depth); }

  const Spec& spec() const { return spec_; }
  const Needle& needle() const override { return needle_; }
  std::string describe() const override;
  std::vector<double> settings() const override;
  double tip_speed() const;  ///< pi f A, m/s
  /// Punctures per area per pass, N f / (v w), per m^2, w = active diameter.
  double density_per_pass() const;
  /// One stamp into the skin: the motor force shared among the cartridge's needles (the cap holds
  /// the skin between them, so there is no bed-of-nails sink).
  InsertionResult stamp(const SkinModel& skin) const;
  PunctureMap treat(const SkinModel& skin, const Session& session) const override;
  /// Needle offsets in the cartridge (sunflower layout in the active disc), m.
  std::vector<std::array<double, 2>> layout() const;

 private:
  Spec spec_;
  Needle needle_;
  HandVariation hand_;
};

class Stamp final : public Device {
 public:
  struct Spec {
    int rows = 6, columns = 6;  ///< needles
    double spacing = 1.0e-3;    ///< m between needles
    Needle needle{};
    double hand_force = 20.0;      ///< N per press
    double press_speed = 1e-3;     ///< m/s (manual pressing)
    double reposition_time = 1.0;  ///< s per press
  };
  explicit Stamp(Spec spec, HandVariation hand = HandVariation::standard());

  const Spec& spec() const { return spec_; }
  const Needle& needle() const override { return spec_.needle; }
  std::string describe() const override;
  std::vector<double> settings() const override;
  InsertionResult press(const SkinModel& skin, double hand_force) const;
  /// Radius within which the skin between the needles sinks relative to the plate, m.
  double zone_radius() const;
  PunctureMap treat(const SkinModel& skin, const Session& session) const override;

 private:
  Spec spec_;
  HandVariation hand_;
};

}  // namespace punctum
