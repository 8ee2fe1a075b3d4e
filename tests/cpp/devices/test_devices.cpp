// Devices: geometry against the literature, kinematics, statistics, determinism and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "punctum/core/error.hpp"
#include "punctum/core/units.hpp"
#include "punctum/devices.hpp"
#include "punctum/devices/detail/coverage.hpp"

namespace punctum {
namespace {

SkinModel cheek() {
  return SkinModel::preset("cheek", Sex::female, 45.0);
}

TEST(Roller, MF8GeometryGives15Point3HolesPerCm2PerPass) {
  // Schwarz & Laaff 2011: 192 needles on a 2 cm x 2 cm drum -> 192 / (pi 2 cm 2 cm) = 15.3 /cm^2.
  const Roller mf8 = Roller::preset(192, 1.5_mm);
  EXPECT_NEAR(mf8.holes_per_area_per_pass() * 1e-4, 15.3, 0.05);
  // A treated map at full immersion (drum on the skin) reproduces it: force enough for the hub.
  Roller::Spec s = mf8.spec();
  s.hand_force = 60.0;
  HandVariation steady{0.0, 0.0, 0.0};
  const Roller firm(s, steady);
  const auto c = firm.contact(cheek(), s.hand_force);
  ASSERT_EQ(c.insertion.limited_by, DepthLimit::hub);
  const auto map =
      firm.treat(cheek(), {.area = 16_cm2, .passes = 1, .directions = {0.0}, .seed = 3});
  EXPECT_NEAR(map.statistics.density * 1e-4, 15.3, 15.3 * 0.08);
}

TEST(Roller, RigidSweepMatchesTrochoidTable) {
  // literature.md 2.3, r = 10 mm: sweep 0.07, 0.21, 0.57, 1.03, 1.55, 2.13 mm.
  const double L[] = {0.25, 0.5, 1.0, 1.5, 2.0, 2.5},
               sweep[] = {0.07, 0.21, 0.57, 1.03, 1.55, 2.13};
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(in_mm(roller_rigid_sweep(10_mm, L[i] * 1e-3, L[i] * 1e-3)), sweep[i], 0.006)
        << L[i];
}

TEST(Roller, TearGrowsWithNeedleLengthAndNeverExceedsRigidSweep) {
  // A firm hand buries every needle (hub-limited): the tear then grows with needle length.
  const auto skin = cheek();
  double previous = -1.0;
  for (double L : {0.5_mm, 1.0_mm, 1.5_mm, 2.0_mm, 2.5_mm}) {
    const auto c = Roller::preset(192, L).contact(skin, 60.0);
    ASSERT_EQ(c.insertion.limited_by, DepthLimit::hub) << L;
    EXPECT_GE(c.insertion.tear_length, previous) << L;
    EXPECT_LE(c.insertion.tear_length, c.rigid_sweep);
    EXPECT_NEAR(c.rigid_sweep, roller_rigid_sweep(10_mm, L, L), 1e-12);
    previous = c.insertion.tear_length;
  }
  EXPECT_GT(previous, 0.0);
  // With a light hand the channel is shallower than the needle; the tear stays under the rigid
  // sweep.
  for (double L : {0.5_mm, 1.5_mm, 2.5_mm})
    for (double F : {2.0, 5.0, 10.0}) {
      const auto c = Roller::preset(192, L).contact(skin, F);
      ASSERT_TRUE(c.insertion.punctured);
      EXPECT_GT(c.entry_angle, 0.0);
      EXPECT_LE(c.insertion.tear_length, c.rigid_sweep);
      EXPECT_LE(c.rigid_sweep, roller_rigid_sweep(10_mm, L, L) + 1e-12);
    }
}

TEST(Roller, HandForceDrivesDepth) {
  // literature.md 2.3 force budget: ~32 needles in the skin at once and ~0.5 N each for full
  // depth, so full depth needs well over 10 N; lighter hands stay in the dermis.
  const auto skin = cheek();
  const Roller mf8 = Roller::preset(192, 1.5_mm);
  double previous = 0.0;
  for (double F : {2.0, 5.0, 10.0, 30.0}) {
    const auto c = mf8.contact(skin, F);
    EXPECT_GT(c.insertion.depth_reached, previous) << F;
    previous = c.insertion.depth_reached;
  }
  EXPECT_LT(mf8.contact(skin, 10.0).insertion.depth_reached, 1.5_mm);
  EXPECT_NEAR(mf8.contact(skin, 30.0).needles_in_contact,
              8 * 2 * std::acos(10.0 / 11.5) / (2 * std::numbers::pi / 24), 1e-6);
}

TEST(Pen, DensityEqualsNfOverVw) {
  Pen::Spec s = Pen::cartridge(12);
  s.hand_speed = 150_mm_s;
  s.reposition_time = 0.0;
  const Pen pen(s, HandVariation{0.0, 0.0, 0.0});
  const double expected = 12 * 100.0 / (150e-3 * s.active_diameter);
  EXPECT_NEAR(pen.density_per_pass(), expected, 1e-9 * expected);
  // One pass over an area much larger than the cartridge.
  const auto map = pen.treat(cheek(), {.area = 9_cm2, .passes = 1, .directions = {0.0}, .seed = 1});
  EXPECT_NEAR(map.statistics.density, expected, 0.04 * expected);
  EXPECT_NEAR(map.statistics.strokes / map.statistics.treatment_time, 100.0, 1.0);
}

TEST(Pen, CartridgeStrokeCoversADeepSetting) {
  // The motor's default stroke (data/devices/defaults.csv) serves settings up to itself; a deeper
  // setting takes a stroke equal to the depth, so a C++ user's deep pen is valid as built.
  const double motor_stroke = devices::detail::default_value("pen_stroke_amplitude");  // 2 mm
  const Pen::Spec usual = Pen::cartridge(12, 1.0_mm), deep = Pen::cartridge(12, 2.5_mm);
  EXPECT_DOUBLE_EQ(usual.depth, 1.0_mm);
  EXPECT_DOUBLE_EQ(usual.stroke_amplitude, motor_stroke);
  EXPECT_DOUBLE_EQ(deep.stroke_amplitude, 2.5_mm);
  EXPECT_NO_THROW(Pen{deep});
  Pen::Spec short_stroke = deep;
  short_stroke.stroke_amplitude = motor_stroke;
  EXPECT_THROW(Pen{short_stroke}, InvalidParameter);
}

TEST(Pen, FastStrokesReachDeeperThanSlowAndStayWithinTheSetting) {
  const auto skin = cheek();
  for (double depth : {0.5_mm, 1.0_mm, 1.5_mm}) {
    Pen::Spec s = Pen::cartridge(12, depth);
    const auto r = Pen(s).stamp(skin);
    ASSERT_TRUE(r.punctured);
    EXPECT_LE(r.depth_reached, depth);
    s.frequency = 50;
    s.stroke_amplitude = depth;  // slowest stroke allowed
    EXPECT_LE(Pen(s).stamp(skin).depth_reached, r.depth_reached + 1e-12);
  }
  // More needles share the same motor force: the 42-needle cartridge is force-limited.
  EXPECT_LT(Pen(Pen::cartridge(42, 1.5_mm)).stamp(skin).depth_reached,
            Pen(Pen::cartridge(12, 1.5_mm)).stamp(skin).depth_reached);
}

TEST(Stamp, PressesTileTheAreaAndDenserStampsBuryLess) {
  const auto skin = cheek();
  Stamp::Spec s;
  s.needle.length = 1.0_mm;
  const Stamp stamp(s);
  const auto map = stamp.treat(skin, {.area = 4_cm2, .passes = 1, .seed = 2});
  // One pass of a 1 mm lattice: 100 contacts per cm^2.
  EXPECT_NEAR(map.statistics.contacts / 4.0, 100.0, 10.0);
  // Force control: the hand's force is shared by every needle, so a stamp with more needles
  // buries each one less (with no travel limit, the needles' spacing does not enter).
  auto depth_at = [&](int side) {
    Stamp::Spec d = s;
    d.rows = d.columns = side;
    return Stamp(d).press(skin, 20.0).depth_reached;
  };
  double previous = depth_at(10);
  ASSERT_GT(previous, 0.0) << "10 x 10 needles at 20 N must enter the skin";
  for (int side : {14, 18}) {
    const double depth = depth_at(side);
    EXPECT_LT(depth, previous) << side << " x " << side << " needles at 20 N";
    previous = depth;
  }
}

TEST(Session, StatisticsOfARegularLatticeAreExact) {
  // A perfect 1 mm lattice: density 100 /cm^2, CV 0, NN 1 mm, nothing missed, no overlap.
  Session s{.area = 1_cm2, .cell_size = 1_mm};
  std::vector<Puncture> p;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) {
      Puncture q;
      q.x = (i + 0.5) * 1e-3;
      q.y = (j + 0.5) * 1e-3;
      q.punctured = true;
      q.depth = 0.5e-3;
      q.channel_radius = 0.1e-3;
      p.push_back(q);
    }
  const auto st = compute_statistics(p, s, 1, 60.0);
  EXPECT_NEAR(st.density * 1e-4, 100.0, 1e-9);
  EXPECT_NEAR(st.density_cv, 0.0, 1e-12);
  EXPECT_NEAR(st.mean_nearest_neighbour, 1e-3, 1e-12);
  EXPECT_NEAR(st.clark_evans, 2.0, 1e-9);
  EXPECT_EQ(st.missed_area_fraction, 0.0);
  EXPECT_EQ(st.overlap_fraction, 0.0);
  // Duplicate one puncture: it overlaps the earlier one.
  p.push_back(p.front());
  EXPECT_NEAR(compute_statistics(p, s, 1, 60.0).overlap_fraction, 1.0 / 101.0, 1e-12);
}

TEST(Session, SameMapForAnyThreadCount) {
  const auto skin = cheek();
  // session.threads sets the map's OpenMP threads (a course passes its own count down).
  auto run = [&](int threads) {
    const Session session{.area = 6_cm2, .passes = 3, .seed = 42, .index = 2, .threads = threads};
    Pen::Spec ps = Pen::cartridge(16);
    ps.hand_speed = 100_mm_s;
    return std::tuple{Roller::preset(192, 1.0_mm).treat(skin, session),
                      Pen(ps).treat(skin, session), Stamp({}).treat(skin, session)};
  };
  const auto one = run(1), two = run(2);
  auto same = [](const PunctureMap& a, const PunctureMap& b) {
    ASSERT_EQ(a.punctures.size(), b.punctures.size());
    for (std::size_t i = 0; i < a.punctures.size(); ++i) {
      EXPECT_EQ(a.punctures[i].x, b.punctures[i].x);
      EXPECT_EQ(a.punctures[i].y, b.punctures[i].y);
      EXPECT_EQ(a.punctures[i].depth, b.punctures[i].depth);
      EXPECT_EQ(a.punctures[i].time, b.punctures[i].time);
    }
    EXPECT_EQ(a.statistics.density_cv, b.statistics.density_cv);
    EXPECT_EQ(a.statistics.mean_nearest_neighbour, b.statistics.mean_nearest_neighbour);
    EXPECT_EQ(a.statistics.overlap_fraction, b.statistics.overlap_fraction);
  };
  same(std::get<0>(one), std::get<0>(two));
  same(std::get<1>(one), std::get<1>(two));
  same(std::get<2>(one), std::get<2>(two));
  EXPECT_THROW(Pen(Pen::cartridge(12)).treat(skin, {.area = 1_cm2, .threads = -1}),
               InvalidParameter);
  // A different seed moves the strokes.
  const auto other =
      Roller::preset(192, 1.0_mm).treat(skin, {.area = 6_cm2, .passes = 3, .seed = 43, .index = 2});
  EXPECT_NE(other.punctures.front().x, std::get<0>(one).punctures.front().x);
}

TEST(Session, NeedlesBeyondTheWobblesReachCannotLand) {
  // The pen skips the streams of needles that no wobble can bring into the area. That rests on two
  // bounds: no normal exceeds RandomStream::max_normal (the smallest uniform is 2^-54) ...
  const auto [n0, n1] = RandomStream::box_muller(0x1.0p-54, 0.0);
  EXPECT_LE(std::abs(n0), RandomStream::max_normal);
  EXPECT_GT(std::abs(n0), RandomStream::max_normal - 0.01);
  for (double u2 = 0.0; u2 < 1.0; u2 += 1.0 / 64) {
    const auto [a, b] = RandomStream::box_muller(0x1.0p-54, u2);
    EXPECT_LE(std::hypot(a, b), RandomStream::max_normal);
  }
  auto stream = Rng(7).stream(Purpose::needle_scatter, 1, 2, 3), same = stream;
  const double u1 = same.uniform(), u2 = same.uniform();
  const auto [first, second] = RandomStream::box_muller(u1, u2);
  EXPECT_EQ(stream.normal(), first);
  EXPECT_EQ(stream.normal(), second);
  // ... and a point the widened bounding square misses is outside either shape, rounding included.
  auto random = Rng(11).stream(Purpose::generic);
  for (const AreaShape shape : {AreaShape::square, AreaShape::disc}) {
    const Session session{.area = 2_cm2, .shape = shape};
    const devices::detail::AreaTest area(session);
    const double e = session.extent();
    // The shape itself, from the area alone: a square of side sqrt(A) or a disc of area A, both
    // with their lower-left corner at the origin.
    const double side = std::sqrt(session.area), r = std::sqrt(session.area / std::numbers::pi);
    for (int i = 0; i < 20000; ++i) {
      const double margin = i % 4 == 0 ? 0.0 : random.uniform(0.0, 0.2e-3);
      const double x = random.uniform(-0.5e-3, e + 0.5e-3), y = random.uniform(-0.5e-3, e + 0.5e-3);
      const double a = margin * random.uniform(-1.0, 1.0), b = margin * random.uniform(-1.0, 1.0);
      if (area.contains(x + a, y + b)) EXPECT_TRUE(area.may_contain(x, y, margin));
      const double from_rim = std::hypot(x - r, y - r) - r;  // disc: negative inside
      const bool inside = shape == AreaShape::square
                              ? x >= 0.0 && x < side && y >= 0.0 && y < side
                              : from_rim < 0.0;
      if (shape == AreaShape::square || std::abs(from_rim) > 1e-12)
        EXPECT_EQ(session.contains(x, y), inside) << to_string(shape) << " at " << x << ", " << y;
    }
  }
}

TEST(Session, PuncturesStayInsideTheShape) {
  const auto map =
      Roller::preset(540, 0.5_mm)
          .treat(cheek(), {.area = 5_cm2, .shape = AreaShape::disc, .passes = 2, .seed = 5});
  ASSERT_FALSE(map.punctures.empty());
  for (const auto& p : map.punctures) EXPECT_TRUE(map.session.contains(p.x, p.y));
}

TEST(Devices, BadInputNamesParameter) {
  EXPECT_THROW(Roller::preset(100, 1.5_mm), InvalidParameter);
  EXPECT_THROW(Pen::cartridge(10), InvalidParameter);
  Pen::Spec s = Pen::cartridge(12);
  s.frequency = 200;
  try {
    Pen p(s);
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "pen.frequency");
    EXPECT_EQ(e.unit(), "Hz");
  }
  s = Pen::cartridge(12);
  s.depth = 3_mm;
  EXPECT_THROW(Pen{s}, InvalidParameter);
  Roller::Spec r = Roller::preset_spec(192, 1.5_mm);
  r.hand_force = -1;
  EXPECT_THROW(Roller{r}, InvalidParameter);
  const auto skin = cheek();
  const auto roller = Roller::preset(192, 1.5_mm);
  EXPECT_THROW(roller.treat(skin, {.area = 0.0}), InvalidParameter);
  EXPECT_THROW(roller.treat(skin, {.area = 1_cm2, .passes = 0}), InvalidParameter);
  EXPECT_THROW(roller.treat(skin, {.area = 1_cm2, .directions = {}}), InvalidParameter);
  EXPECT_THROW(area_shape_from_string("triangle"), InvalidParameter);
}


TEST(Devices, SpecDefaultsAreTheSourcedTableValues) {
  // The Spec structs spell their defaults out (they are aggregates); data/devices/defaults.csv
  // is where those numbers are sourced. The two must not drift apart.
  using devices::detail::default_value;
  const Roller::Spec roller;
  EXPECT_EQ(roller.hand_force, default_value("roller_hand_force"));
  EXPECT_EQ(roller.hand_speed, default_value("roller_hand_speed"));
  EXPECT_EQ(roller.reposition_time, default_value("roller_reposition_time"));
  const Pen::Spec pen;
  EXPECT_EQ(pen.stroke_amplitude, default_value("pen_stroke_amplitude"));
  EXPECT_EQ(pen.motor_force, default_value("pen_motor_force"));
  EXPECT_EQ(pen.hand_speed, default_value("pen_hand_speed"));
  EXPECT_EQ(pen.reposition_time, default_value("pen_reposition_time"));
  const Stamp::Spec stamp;
  EXPECT_EQ(stamp.hand_force, default_value("stamp_hand_force"));
  EXPECT_EQ(stamp.reposition_time, default_value("stamp_reposition_time"));
}

}  // namespace
}  // namespace punctum
