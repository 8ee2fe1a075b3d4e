// A downstream program: builds a preset skin and checks that the installed library answers.
#include <punctum/punctum.hpp>

#include <cstdio>

int main() {
  using namespace punctum;
  const auto skin = SkinModel::preset("cheek", Sex::female, 45.0);
  const bool ok = skin.layer_at(0.5_mm) == LayerKind::reticular_dermis &&
                  skin.dermis_thickness() > 0.5_mm && skin.dermis_thickness() < 1.0_mm;
  std::printf("punctum %s consumer: cheek dermis %.0f um -> %s\n", punctum::version,
              in_um(skin.dermis_thickness()), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
