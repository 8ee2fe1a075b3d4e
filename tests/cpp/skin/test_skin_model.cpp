#include <gtest/gtest.h>

#include <punctum/skin.hpp>
#include <punctum/core.hpp>

using namespace punctum;

// Literature values, written here independently of data/skin/*.csv so a typo there fails a test.
// Meng et al. 2022, BMC Med Imaging 22:113, Table 2 (HFUS dermis, mm).
struct DermisCase {
  const char* site;
  Sex sex;
  double dermis_mm;
};
class PresetDermis : public ::testing::TestWithParam<DermisCase> {};

TEST_P(PresetDermis, MatchesMeng2022AtReferenceAge) {
  const auto c = GetParam();
  const auto skin = SkinModel::preset(c.site, c.sex, 30.0);
  EXPECT_NEAR(in_mm(skin.dermis_thickness()), c.dermis_mm, 1e-9) << c.site;
  // Papillary dermis is the upper one-fifth of the dermis.
  EXPECT_NEAR(skin.layer(LayerKind::papillary_dermis).thickness / skin.dermis_thickness(), 0.2, 1e-9);
}
INSTANTIATE_TEST_SUITE_P(Meng2022, PresetDermis,
                         ::testing::Values(DermisCase{"forehead", Sex::female, 0.86},
                                           DermisCase{"forehead", Sex::male, 1.17},
                                           DermisCase{"cheek", Sex::female, 0.87},
                                           DermisCase{"cheek", Sex::male, 1.14},
                                           DermisCase{"periorbital", Sex::female, 0.58},
                                           DermisCase{"periorbital", Sex::male, 0.67},
                                           DermisCase{"neck", Sex::female, 0.99},
                                           DermisCase{"neck", Sex::male, 0.98}),
                         [](const auto& info) {
                           return std::string(info.param.site) + "_" +
                                  std::string(to_string(info.param.sex));
                         });

TEST(SkinPresets, StratumCorneumAndEpidermisMatchSources) {
  // Egawa 2007: cheek SC 16.8 um (Raman). Tsugita 2013: epidermis incl. SC 68.6 +- 23 um (OCT).
  const auto cheek = SkinModel::preset("cheek", Sex::female, 30.0);
  EXPECT_NEAR(in_um(cheek.layer(LayerKind::stratum_corneum).thickness), 16.8, 1e-9);
  for (const auto& site : SkinModel::sites()) {
    const auto s = SkinModel::preset(site, Sex::female, 30.0);
    EXPECT_GT(in_um(s.epidermis_thickness()), 68.6 - 2 * 23.0) << site;
    EXPECT_LT(in_um(s.epidermis_thickness()), 68.6 + 2 * 23.0) << site;
    // Microneedle reviews: SC 10-20 um.
    EXPECT_GE(in_um(s.layer(LayerKind::stratum_corneum).thickness), 8.0) << site;
    EXPECT_LE(in_um(s.layer(LayerKind::stratum_corneum).thickness), 20.0) << site;
  }
}

TEST(SkinPresets, EverySiteAndSexExistsAndIsOrdered) {
  const auto sites = SkinModel::sites();
  EXPECT_EQ(sites.size(), 7u);
  for (const auto& site : sites)
    for (Sex sex : {Sex::female, Sex::male}) {
      const auto s = SkinModel::preset(site, sex, 40.0);
      double z = 0.0;
      for (LayerKind k : all_layers) {
        EXPECT_DOUBLE_EQ(s.top(k), z);
        z += s.layer(k).thickness;
      }
      EXPECT_LT(s.vessels().capillary_loops, s.vessels().superficial_plexus);
      EXPECT_LT(s.vessels().superficial_plexus, s.vessels().deep_plexus);
      EXPECT_GT(s.vessels().capillary_loops, s.epidermis_thickness());  // epidermis is avascular
    }
}

TEST(SkinPresets, EyelidThinnestTrunkThickest) {
  // Chopra 2015 / Ha 2005: eyelid is the thinnest facial skin; truncal dermis thicker than facial.
  const double eyelid = SkinModel::preset("periorbital", Sex::female).dermis_thickness();
  for (const char* site : {"forehead", "cheek", "neck", "abdomen", "thigh", "back"})
    EXPECT_GT(SkinModel::preset(site, Sex::female).dermis_thickness(), eyelid) << site;
  EXPECT_GT(SkinModel::preset("back", Sex::male).dermis_thickness(),
            SkinModel::preset("cheek", Sex::male).dermis_thickness());
}

TEST(SkinAgeing, DermisThinsSixPercentPerDecadeAfterThirty) {
  // Branchet 1990: total dermal thickness -6 % per decade.
  const auto ref = SkinModel::preset("cheek", Sex::female, 30.0);
  const auto at50 = SkinModel::preset("cheek", Sex::female, 50.0);
  EXPECT_NEAR(at50.dermis_thickness() / ref.dermis_thickness(), 1.0 - 0.12, 1e-12);
  // Epidermis: -5.7 % (women) / -7.2 % (men) per decade.
  EXPECT_NEAR(at50.epidermis_thickness() / ref.epidermis_thickness(), 1.0 - 0.114, 1e-12);
  const auto m30 = SkinModel::preset("cheek", Sex::male, 30.0), m50 = SkinModel::preset("cheek", Sex::male, 50.0);
  EXPECT_NEAR(m50.epidermis_thickness() / m30.epidermis_thickness(), 1.0 - 0.144, 1e-12);
  // No change before the reference age.
  EXPECT_DOUBLE_EQ(SkinModel::preset("cheek", Sex::female, 20.0).dermis_thickness(), ref.dermis_thickness());
}

TEST(SkinAgeing, CollagenFallsOnePercentPerYearWithAFloor) {
  // Shuster 1975: skin collagen -1 % per year in adults. Clipped at half the reference.
  const auto ref = SkinModel::preset("forehead", Sex::male, 30.0);
  const auto at45 = SkinModel::preset("forehead", Sex::male, 45.0);
  const auto at95 = SkinModel::preset("forehead", Sex::male, 95.0);
  const auto& r = ref.layer(LayerKind::reticular_dermis).biology;
  EXPECT_NEAR(at45.layer(LayerKind::reticular_dermis).biology.collagen_I / r.collagen_I, 0.85, 1e-12);
  EXPECT_NEAR(at95.layer(LayerKind::reticular_dermis).biology.collagen_III / r.collagen_III, 0.5, 1e-12);
}

TEST(SkinModel, LayerAtDepth) {
  const auto s = SkinModel::preset("cheek", Sex::female, 45.0);
  EXPECT_EQ(s.layer_at(0.0), LayerKind::stratum_corneum);
  EXPECT_EQ(s.layer_at(40_um), LayerKind::viable_epidermis);
  EXPECT_EQ(s.layer_at(s.top(LayerKind::papillary_dermis) + 1_um), LayerKind::papillary_dermis);
  EXPECT_EQ(s.layer_at(0.5_mm), LayerKind::reticular_dermis);
  EXPECT_EQ(s.layer_at(50_mm), LayerKind::hypodermis);
}

TEST(SkinModel, DermisIsStifferThanFatAndTougherThanEpidermis) {
  const auto s = SkinModel::preset("cheek");
  const auto& derm = s.layer(LayerKind::reticular_dermis).mechanics;
  EXPECT_GT(derm.shear_modulus, 100 * s.layer(LayerKind::hypodermis).mechanics.shear_modulus);
  EXPECT_GT(derm.toughness, s.layer(LayerKind::viable_epidermis).mechanics.toughness);
  // Only the dermis and hypodermis hold fibroblasts and collagen.
  EXPECT_EQ(s.layer(LayerKind::viable_epidermis).biology.collagen_I, 0.0);
  EXPECT_GT(s.layer(LayerKind::papillary_dermis).biology.fibroblast_density, 0.0);
}

TEST(SkinModel, BadInputsNameParameterValueRangeAndUnit) {
  try {
    SkinModel::preset("cheek", Sex::female, 300.0);
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "age");
    EXPECT_EQ(e.value(), "300");
    EXPECT_EQ(e.unit(), "years");
    EXPECT_NE(std::string(e.what()).find("[16, 100]"), std::string::npos) << e.what();
  }
  try {
    SkinModel::preset("elbow", Sex::female, 40.0);
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "site");
    EXPECT_NE(std::string(e.what()).find("cheek"), std::string::npos) << e.what();
  }
  const auto s = SkinModel::preset("cheek");
  try {
    s.with_thickness(LayerKind::reticular_dermis, -1_mm);
    FAIL();
  } catch (const InvalidParameter& e) {
    EXPECT_EQ(e.parameter(), "reticular_dermis.thickness");
    EXPECT_EQ(e.unit(), "um");
  }
  EXPECT_THROW(layer_from_string("dermis"), InvalidParameter);
  EXPECT_EQ(layer_from_string("papillary dermis"), LayerKind::papillary_dermis);
}

TEST(SkinModel, TableHasUnitsAndEveryLayer) {
  const std::string t = SkinModel::preset("cheek", Sex::female, 45.0).table();
  for (const char* needle : {"stratum_corneum", "hypodermis", "um", "kPa", "capillary loops", "45 years"})
    EXPECT_NE(t.find(needle), std::string::npos) << needle << "\n" << t;
}
