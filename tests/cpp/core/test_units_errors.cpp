#include <gtest/gtest.h>

#include <punctum/core.hpp>
#include <punctum/core/detail/csv.hpp>

#include <stdexcept>
#include <string>

using namespace punctum;

TEST(Units, LiteralsAreSI) {
  EXPECT_DOUBLE_EQ(0.5_mm, 5e-4);
  EXPECT_DOUBLE_EQ(250_um, 2.5e-4);
  EXPECT_DOUBLE_EQ(4_weeks, 28 * 86400.0);
  EXPECT_DOUBLE_EQ(2_days, 48_h);
  EXPECT_DOUBLE_EQ(1.5_MPa, 1500_kPa);
  EXPECT_DOUBLE_EQ(30_mN, 0.03_N);
  EXPECT_DOUBLE_EQ(1_cm2, 100 * 1_mm * 1_mm);
}

TEST(Units, ConversionsInvertLiterals) {
  EXPECT_DOUBLE_EQ(in_mm(1.25_mm), 1.25);
  EXPECT_DOUBLE_EQ(in_um(17_um), 17.0);
  EXPECT_DOUBLE_EQ(in_days(3_weeks), 21.0);
  EXPECT_DOUBLE_EQ(in_cm2(300_cm2), 300.0);
  EXPECT_DOUBLE_EQ(in_kPa(0.5_MPa), 500.0);
}

TEST(Errors, MessageNamesParameterValueRangeAndUnit) {
  try {
    require_in_range("needle_length", 7.0, 0.1, 3.0, "mm");
    FAIL() << "expected InvalidParameter";
  } catch (const InvalidParameter& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("needle_length"), std::string::npos) << msg;
    EXPECT_NE(msg.find("7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[0.1, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mm"), std::string::npos) << msg;
    EXPECT_EQ(e.parameter(), "needle_length");
    EXPECT_EQ(e.unit(), "mm");
  }
}

TEST(Errors, NonFiniteValuesAreRejected) {
  EXPECT_THROW(require_in_range("x", std::nan(""), 0, 1, "m"), InvalidParameter);
  EXPECT_THROW(require_positive("x", -1.0, "m"), InvalidParameter);
  EXPECT_THROW(require_positive("x", 0.0, "m"), InvalidParameter);
  EXPECT_NO_THROW(require_in_range("x", 1.0, 0, 1, "m"));  // bounds inclusive
}

TEST(Errors, InvalidParameterIsAnInvalidArgument) {
  // pybind11 relies on this to map it to Python's ValueError.
  EXPECT_THROW(require_positive("x", -1.0, "m"), std::invalid_argument);
}

TEST(CsvTable, ValueByNameAndAClearErrorForAMissingKey) {
  const punctum::detail::CsvTable t("name,value,source\n"
                                    "alpha,1.5,\"a, b (2020)\"\n"
                                    "beta,-2e-3,c\n",
                                    "data/test.csv");
  EXPECT_EQ(t.value("alpha"), 1.5);
  EXPECT_EQ(t.value("beta"), -2e-3);
  try {
    (void)t.value("gamma");
    FAIL() << "a missing key must throw";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("data/test.csv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gamma"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)t.value("alpha", "quantity"), std::logic_error);  // no such column
}
