// The reference course from C++: cheek of a 45-year-old woman, a 12-needle pen at 1.0 mm
// gliding at 20 mm/s, 4 sessions 4 weeks apart, followed for 26 weeks, on the depth column
// (the lateral average: well under a second). Prints the collagen gain and each session's
// downtime; exits 1 if the course did not complete, 2 on bad input.
#include <cstdio>
#include <memory>
#include <punctum/punctum.hpp>

int main() {
  using namespace punctum;
  try {
    const auto skin = SkinModel::preset("cheek", Sex::female, 45.0);
    Patient patient;  // 45 years, female, Fitzpatrick III, no risk factors
    patient.age_years = 45.0;

    Pen::Spec pen = Pen::cartridge(12, 1.0_mm);  // 12 needles at 1 mm; the rest from data/devices/
    pen.frequency = 100_Hz;
    pen.hand_speed = 20_mm_s;
    const auto protocol =
        Protocol::regular(std::make_shared<Pen>(pen), 4, 4_weeks, 26_weeks, Session{.area = 4_cm2});

    CourseOptions options;
    options.fidelity = Fidelity::column;  // Fidelity::patch3d resolves single channels
    options.seed = 0;

    const CourseResult result = run_course(skin, patient, protocol, options);

    std::printf("punctum %s: reference course, %zu sessions, %.0f days\n", punctum::version,
                result.sessions.size(), in_days(result.horizon));
    std::printf("collagen gain at %.0f days: %+.2f %%\n", in_days(result.times.back()),
                result.series_named("collagen_change_percent").values.back());
    for (const auto& session : result.sessions)
      std::printf("  session at day %3.0f: depth %.2f mm, downtime %.1f days\n",
                  in_days(session.time), in_mm(session.statistics.mean_depth),
                  in_days(session.downtime));
    return result.completed ? 0 : 1;
  } catch (const InvalidParameter& error) {  // names the parameter, value, range and unit
    std::fprintf(stderr, "bad input: %s\n", error.what());
    return 2;
  }
}
