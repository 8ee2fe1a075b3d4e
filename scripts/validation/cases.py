"""The model's side of every validation case of data/validation/cases.csv.

Each function takes the run settings and returns an :class:`Outcome`: the model values (label,
value) that the table's tolerance [low, high] applies to, in the table's unit. Setups follow the
``setup`` column of the table; assumptions the papers do not fix are stated there.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import punctum

from validation import model as m
from validation.model import Settings

DEG_SPEEDS_MM_S = (0.5, 1.0)


@dataclass
class Outcome:
    values: list[tuple[str, float]]
    detail: str = ""


CASES: dict[str, Callable[[Settings], Outcome]] = {}


def case(case_id: str):
    def register(fn: Callable[[Settings], Outcome]) -> Callable[[Settings], Outcome]:
        if case_id in CASES:
            raise ValueError(f"case {case_id} registered twice")
        CASES[case_id] = fn
        return fn

    return register


# ----------------------------------------------------------------------------------------------
# 2 Needle insertion (literature.md 2.1, 2.2, 7)


def olatunji_needle() -> punctum.Needle:
    return punctum.Needle(
        length_mm=0.6, shaft_diameter_mm=0.3, tip_radius_um=5.0, cone_half_angle_deg=15.0
    )


def lam_needle() -> punctum.Needle:
    """The 2 mm, 100 um needle of Lam 2008's slow insertions (INS-10 and its figure)."""
    return punctum.Needle(
        length_mm=2.0, shaft_diameter_mm=0.1, tip_radius_um=5.0, cone_half_angle_deg=10.0
    )


def verbaan_needle(length_mm: float) -> punctum.Needle:
    return punctum.Needle(
        length_mm=length_mm, shaft_diameter_mm=0.3, tip_radius_um=10.0, cone_half_angle_deg=15.0
    )


def manual_speed_m_s() -> float:
    return m.table_value("mechanics/constants.csv", "manual_pressing_speed")


@case("INS-01")
def olatunji_force(s: Settings) -> Outcome:
    vals = []
    for v in DEG_SPEEDS_MM_S:
        r = punctum.insert(olatunji_needle(), m.abdomen(), speed_m_s=v * 1e-3)
        vals.append((f"{v} mm/s", r.puncture_force_N))
    return Outcome(vals)


@case("INS-02")
def olatunji_speed(s: Settings) -> Outcome:
    f = [
        punctum.insert(olatunji_needle(), m.abdomen(), speed_m_s=v * 1e-3).puncture_force_N
        for v in DEG_SPEEDS_MM_S
    ]
    return Outcome([("F(1.0)/F(0.5)", f[1] / f[0])])


@case("INS-03")
def olatunji_spacing(s: Settings) -> Outcome:
    forces = {}
    for spacing in (0.3, 1.2):
        stamp = m.device(*m.microneedle_stamp(spacing_mm=spacing))
        forces[spacing] = stamp.press(m.abdomen(), hand_force_N=20.0).puncture_force_N
    change = abs(forces[0.3] - forces[1.2]) / forces[1.2]
    return Outcome(
        [("relative change", change)],
        detail=f"{forces[0.3] * 1e3:.1f} mN at 0.3 mm, {forces[1.2] * 1e3:.1f} mN at 1.2 mm",
    )


@functools.cache  # three callers; 21 insertions each (callers only read the arrays)
def davis_points() -> tuple[np.ndarray, np.ndarray]:
    area, force = [], []
    for r in (30.0, 40.0, 55.0, 65.0, 80.0):
        for t in (5.0, 10.0, 20.0, 35.0, 58.0):
            if t > r:
                continue
            n = punctum.Needle(
                length_mm=1.0,
                shaft_diameter_mm=(2 * r + 40.0) * 1e-3,
                tip_radius_um=r,
                cone_half_angle_deg=10.0,
                hollow=True,
                wall_thickness_um=t,
            )
            area.append(n.tip_face_area_um2)
            force.append(punctum.insert(n, m.abdomen(), speed_m_s=1e-3).puncture_force_N)
    return np.array(area), np.array(force)


@case("INS-04")
def davis_range(s: Settings) -> Outcome:
    _, f = davis_points()
    return Outcome([("smallest", float(f.min())), ("largest", float(f.max()))])


@case("INS-05")
def davis_linear(s: Settings) -> Outcome:
    a, f = davis_points()
    slope, intercept = np.polyfit(a, f, 1)
    r2 = 1.0 - np.sum((f - (intercept + slope * a)) ** 2) / np.sum((f - f.mean()) ** 2)
    return Outcome(
        [("R^2", float(r2))],
        detail=f"slope {slope * 1e12 / 1e6:.0f} MPa, intercept {intercept:.2f} N, {a.size} needles",
    )


@case("INS-06")
def verbaan_pressed(s: Settings) -> Outcome:
    r = punctum.insert(verbaan_needle(0.3), m.abdomen(), speed_m_s=manual_speed_m_s())
    return Outcome([("punctured", float(r.punctured))], detail=f"limited by {r.limited_by}")


@case("INS-07")
def verbaan_impact(s: Settings) -> Outcome:
    vals, tents = [], []
    for v in (1.0, 3.0):
        r = punctum.insert(verbaan_needle(0.3), m.abdomen(), speed_m_s=v)
        vals.append((f"{v:.0f} m/s", float(r.punctured)))
        tents.append(f"{r.tenting_at_puncture_mm:.3f} mm at {v:.0f} m/s")
    return Outcome(vals, detail="tent at puncture " + ", ".join(tents))


@case("INS-08")
def verbaan_long_pressed(s: Settings) -> Outcome:
    r = punctum.insert(verbaan_needle(0.55), m.abdomen(), speed_m_s=manual_speed_m_s())
    return Outcome([("punctured", float(r.punctured))])


@case("INS-09")
def verbaan_flux(s: Settings) -> Outcome:
    d = {
        v: punctum.insert(verbaan_needle(0.3), m.abdomen(), speed_m_s=v).depth_reached_mm
        for v in (1.0, 3.0)
    }
    return Outcome(
        [("depth(3)/depth(1)", d[3.0] / d[1.0])],
        detail=f"{d[1.0]:.3f} mm at 1 m/s, {d[3.0]:.3f} mm at 3 m/s",
    )


@case("INS-10")
def lam_burial(s: Settings) -> Outcome:
    n = lam_needle()
    vals = []
    for nominal in (0.25, 0.5, 0.75):
        r = punctum.insert(n, m.abdomen(), speed_m_s=1e-4, travel_mm=nominal)
        vals.append((f"{nominal} mm", r.depth_reached_mm / nominal))
    return Outcome(vals)


@case("INS-11")
def han_das_depth(s: Settings) -> Outcome:
    r = m.device(*m.microneedle_stamp()).press(m.abdomen(), hand_force_N=20.0)
    return Outcome(
        [("depth/length", r.depth_reached_mm / 0.6)],
        detail=f"{r.depth_reached_mm:.3f} mm reached, limited by {r.limited_by}",
    )


@case("INS-12")
def shergold_regime(s: Settings) -> Outcome:
    sk = m.abdomen()
    vals = []
    for layer in ("stratum_corneum", "reticular_dermis"):
        lay = sk.layer(layer)
        ratio = min(
            lay.toughness_J_m2 / (lay.shear_modulus_kPa * 1e3 * r * 1e-6)
            for r in (5.0, 25.0, 62.5, 125.0)
        )
        vals.append((layer.replace("_", " "), ratio))
    return Outcome(vals)


@functools.cache  # four calls for two shaft diameters; 60 insertions each
def steady_penetration(shaft_diameter_mm: float) -> tuple[float, float]:
    """(kappa, pressure in MPa) of a force-limited insertion whose tip ends mid reticular dermis:
    F = kappa J R + tau 2 pi R p (docs/mechanics.md step 3). The force is found by bisection on the
    depth it reaches, so the check does not assume the model's kappa."""
    sk = m.abdomen()
    n = punctum.Needle(
        length_mm=3.0,
        shaft_diameter_mm=shaft_diameter_mm,
        tip_radius_um=4.0,
        cone_half_angle_deg=10.0,
    )
    top = sk.top_um("reticular_dermis") * 1e-3
    bottom = sk.top_um("hypodermis") * 1e-3
    target = 0.5 * (top + bottom)
    lo, hi = 1e-3, 2.0  # N; force-limited depth grows with the force
    for _ in range(60):
        force_N = math.sqrt(lo * hi)
        r = punctum.insert(n, sk, speed_m_s=1e-3, force_N=force_N)
        lo, hi = (force_N, hi) if r.depth_reached_mm < target else (lo, force_N)
    inside = top < r.depth_reached_mm < bottom
    if not (r.limited_by == "force" and r.deepest_layer == "reticular_dermis" and inside):
        raise RuntimeError(f"no force stops a {shaft_diameter_mm} mm shaft in the reticular dermis")
    tau = m.table_value("mechanics/constants.csv", "shaft_friction_traction")
    radius = 0.5 * shaft_diameter_mm * 1e-3
    p = r.depth_reached_mm * 1e-3
    crack = force_N - tau * 2.0 * math.pi * radius * p
    kappa = crack / (sk.layer("reticular_dermis").toughness_J_m2 * radius)
    return float(kappa), float(crack / (math.pi * radius**2) * 1e-6)


@case("INS-13")
def shergold_kappa(s: Settings) -> Outcome:
    return Outcome(
        [
            ("0.1 mm shaft", steady_penetration(0.1)[0]),
            ("0.25 mm shaft", steady_penetration(0.25)[0]),
        ]
    )


@case("INS-14")
def shergold_pressure(s: Settings) -> Outcome:
    p_small = steady_penetration(0.1)[1]
    p_large = steady_penetration(0.25)[1]
    return Outcome(
        [("p(50 um)/p(125 um)", p_small / p_large)],
        detail=f"{p_small:.0f} MPa at R = 50 um, {p_large:.0f} MPa at 125 um",
    )


@case("INS-15")
def roxhed_ultrasharp(s: Settings) -> Outcome:
    n = punctum.Needle(
        length_mm=0.5, shaft_diameter_mm=0.2, tip_radius_um=0.5, cone_half_angle_deg=15.0
    )
    return Outcome(
        [("0.5 um tip", punctum.insert(n, m.abdomen(), speed_m_s=1e-3).puncture_force_N)]
    )


@case("INS-16")
def tenting(s: Settings) -> Outcome:
    vals = []
    for v in DEG_SPEEDS_MM_S:
        r = punctum.insert(olatunji_needle(), m.abdomen(), speed_m_s=v * 1e-3)
        vals.append((f"{v} mm/s", r.tenting_at_puncture_mm))
    return Outcome(vals)


# ----------------------------------------------------------------------------------------------
# 2.3 Devices


def firm_contact(length_mm: float, force_N: float = 60.0, site=("cheek", "female", 45.0)):
    return punctum.Roller(preset=192, needle_length_mm=length_mm).contact(
        m.skin(*site), hand_force_N=force_N
    )


@case("DEV-01")
def mf8_density(s: Settings) -> Outcome:
    geometric = punctum.Roller(preset=192, needle_length_mm=1.5).holes_per_cm2_per_pass
    firm = punctum.Roller(preset=192, needle_length_mm=1.5, hand_force_N=60.0)
    mapped = firm.treat(m.skin(), area_cm2=16, passes=1, directions_deg=[0.0], seed=m.SEED)
    return Outcome([("geometry", geometric), ("treated map", mapped.statistics["density_per_cm2"])])


RIGID_SWEEP_TABLE = {0.25: 0.07, 0.5: 0.21, 1.0: 0.57, 1.5: 1.03, 2.0: 1.55, 2.5: 2.13}


@case("DEV-02")
def rigid_sweep(s: Settings) -> Outcome:
    worst, limits = 0.0, set()
    for length, expected in RIGID_SWEEP_TABLE.items():
        c = firm_contact(length)
        limits.add(c["limited_by"])
        worst = max(worst, abs(c["rigid_sweep_mm"] - expected))
    return Outcome([("largest difference", worst)], detail=f"limited by {', '.join(limits)}")


@case("DEV-03")
def needles_in_contact(s: Settings) -> Outcome:
    c = firm_contact(1.5)
    return Outcome([("needles", c["needles_in_contact"])], detail=f"limited by {c['limited_by']}")


@case("DEV-04")
def full_depth_force(s: Settings) -> Outcome:
    lo, hi = 1.0, 60.0
    if firm_contact(1.5, hi)["limited_by"] != "hub":
        raise RuntimeError("60 N does not bury the MF8 needles")
    while hi - lo > 0.05:
        mid = 0.5 * (lo + hi)
        if firm_contact(1.5, mid)["limited_by"] == "hub":
            hi = mid
        else:
            lo = mid
    return Outcome([("hand force", hi)])


@case("DEV-05")
def pen_tip_speed(s: Settings) -> Outcome:
    return Outcome([("12 needles, 100 Hz", m.device(*m.pen(1.0)).tip_speed_m_s)])


@case("DEV-06")
def long_roller_depth(s: Settings) -> Outcome:
    c = punctum.Roller(preset=192, needle_length_mm=2.5).contact(m.skin())
    return Outcome(
        [("depth reached", c["depth_reached_mm"])],
        detail=(
            f"limited by {c['limited_by']}, {c['needles_in_contact']:.0f} needles in contact, "
            f"{c['force_per_needle_N']:.2f} N each"
        ),
    )


# ----------------------------------------------------------------------------------------------
# 4.1 Collagen, elastin and scars


def aust_course(s: Settings, sessions: int, horizon_days: float) -> punctum.CourseResult:
    fid, vox = s.histology
    return m.course(
        m.mf8(1.5),
        m.freeze(
            sessions=sessions,
            spacing_days=30.0,
            horizon_days=horizon_days,
            passes=16,
            vitamin_c_weeks=4.0,
        ),
        fidelity=fid,
        voxel_um=vox,
    )


@case("OUT-01")
def aust_400(s: Settings) -> Outcome:
    r = aust_course(s, 4, 90.0 + 182.0)
    v = r.summary_values()
    return Outcome(
        [("collagen", v["collagen_gain_percent"]), ("elastin", v["elastin_change_percent"])]
    )


@case("OUT-02")
def aust_one_session(s: Settings) -> Outcome:
    v = aust_course(s, 1, 182.0).summary_values()
    return Outcome(
        [("collagen", v["collagen_gain_percent"]), ("elastin", v["elastin_change_percent"])]
    )


def el_domyati(s: Settings) -> punctum.CourseResult:
    fid, vox = s.histology
    return m.course(
        m.pen(1.5),
        m.freeze(sessions=6, spacing_days=14.0, horizon_days=91.0),
        fidelity=fid,
        voxel_um=vox,
    )


def at_months(r: punctum.CourseResult, name: str, days=(30.0, 91.0)) -> list[tuple[str, float]]:
    return [(f"day {d:.0f}", r.value_at(name, d)) for d in days]


@case("OUT-03")
def el_domyati_collagen_i(s: Settings) -> Outcome:
    return Outcome(at_months(el_domyati(s), "collagen_I_change_percent"))


@case("OUT-04")
def el_domyati_collagen_iii(s: Settings) -> Outcome:
    return Outcome(at_months(el_domyati(s), "collagen_III_change_percent"))


@case("OUT-05")
def el_domyati_elastin(s: Settings) -> Outcome:
    return Outcome(at_months(el_domyati(s), "elastin_change_percent"))


@case("OUT-06")
def el_domyati_magnitudes(s: Settings) -> Outcome:
    r = el_domyati(s)
    return Outcome(
        [
            ("I at day 91", r.value_at("collagen_I_change_percent", 91.0)),
            ("III at day 91", r.value_at("collagen_III_change_percent", 91.0)),
        ],
        detail=f"total collagen {r.value_at('collagen_change_percent', 91.0):+.1f} % at day 91",
    )


def scar_course(s: Settings, protocol: tuple) -> punctum.CourseResult:
    return m.course(
        m.mf8(1.5),
        protocol,
        fidelity="3d",
        voxel_um=s.scar_voxel_um,
        condition="atrophic_acne_scar",
    )


def alam(s: Settings) -> punctum.CourseResult:
    return scar_course(s, m.freeze(sessions=3, spacing_days=14.0, horizon_days=182.0, passes=16))


@case("OUT-07")
def alam_continues(s: Settings) -> Outcome:
    r = alam(s)
    f3, f6 = (
        r.value_at("condition_fill_fraction", 91.0),
        r.value_at("condition_fill_fraction", 182.0),
    )
    return Outcome(
        [("fill(6 mo)/fill(3 mo)", f6 / f3)], detail=f"fill {f3:.2f} at 3 months, {f6:.2f} at 6"
    )


def vietnam(s: Settings) -> punctum.CourseResult:
    return scar_course(
        s, m.freeze(sessions=13, spacing_days=7.0, horizon_days=84.0 + 60.0, passes=16)
    )


@case("OUT-08")
def vietnam_continues(s: Settings) -> Outcome:
    r = vietnam(s)
    end, later = (
        r.value_at("condition_fill_fraction", 84.0),
        r.value_at("condition_fill_fraction", 144.0),
    )
    return Outcome(
        [("fill(end + 60 d)/fill(end)", later / end)],
        detail=f"fill {end:.2f} at the last session, {later:.2f} 60 days later",
    )


def fabbrocini(s: Settings) -> punctum.CourseResult:
    return scar_course(s, m.freeze(sessions=2, spacing_days=56.0, horizon_days=112.0, passes=16))


@case("OUT-09")
def fabbrocini_fill(s: Settings) -> Outcome:
    return Outcome([("fill at 16 weeks", fabbrocini(s).value_at("condition_fill_fraction", 112.0))])


@case("OUT-10")
def fabbrocini_depth(s: Settings) -> Outcome:
    r = fabbrocini(s)
    d0 = r.value_at("surface_depression_um", 0.0)
    d1 = r.value_at("surface_depression_um", 112.0)
    return Outcome(
        [("depth reduction", 100.0 * (d0 - d1) / d0)], detail=f"{d0:.0f} um -> {d1:.0f} um"
    )


# ----------------------------------------------------------------------------------------------
# 4.2 Channel closure, redness, bleeding, depth by indication


def microneedle_array(occlusion: bool) -> punctum.CourseResult:
    return m.course(
        m.microneedle_stamp(),
        m.one_session(20.0, occlusion=occlusion),
        site=("abdomen", "female", 40.0),
    )


def closure_h(r: punctum.CourseResult) -> float:
    return float(r.sessions["closure_time_h"].iloc[0])


@case("CLO-01")  # Gupta: unoccluded
@case("CLO-03")  # micropore closure
@case("CLO-05")  # Donnelly: open at 24 h
def closure_unoccluded(s: Settings) -> Outcome:
    return Outcome([("closure", closure_h(microneedle_array(False)))])


@case("CLO-02")
def gupta_occluded(s: Settings) -> Outcome:
    return Outcome([("closure", closure_h(microneedle_array(True)))])


@case("CLO-04")
def micropore_half_life(s: Settings) -> Outcome:
    return Outcome([("half-life", m.half_life_of_open_share(microneedle_array(False)))])


@case("CLO-06")
def donnelly_erythema(s: Settings) -> Outcome:
    r = microneedle_array(False)
    return Outcome([("downtime", float(r.sessions["downtime_days"].iloc[0]))])


def serum_peak(dev: tuple, delay_h: float = 0.0) -> float:
    r = m.course(
        dev,
        m.one_session(3.0 + delay_h / 24.0, serum_concentration_kg_m3=10.0, serum_delay_h=delay_h),
    )
    return r.summary_values()["serum_dermis_peak_ug_per_cm2"]


#: a stamp whose 300 um needles are pressed by hand and do not pierce (INS-06): serum on intact skin
NON_PIERCING_STAMP = (
    "stamp",
    m.freeze(
        needle_length_mm=0.3, needle_diameter_mm=0.3, tip_radius_um=10.0, cone_half_angle_deg=15.0
    ),
)


@case("CLO-07")
def kam_24h(s: Settings) -> Outcome:
    a, b = serum_peak(m.pen(1.0), 24.0), serum_peak(m.pen(1.0), 168.0)
    return Outcome(
        [("dose(24 h)/dose(7 d)", a / b)], detail=f"{a:.0f} vs {b:.2f} ug/cm^2 peak in the dermis"
    )


def downtimes(devices: list[tuple], sites=(("cheek", "female", 45.0),), horizon=30.0):
    out = []
    for site in sites:
        for dev in devices:
            r = m.course(dev, m.one_session(horizon), site=site)
            out.append((site, dev, float(r.sessions["downtime_days"].iloc[0])))
    return out


def depth_label(dev: tuple) -> str:
    return f"{dict(dev[1]).get('depth_mm', dict(dev[1]).get('needle_length_mm'))} mm"


@case("ERY-01")
def skinpen_labelling(s: Settings) -> Outcome:
    return Outcome([(depth_label(d), v) for _, d, v in downtimes([m.pen(1.0), m.pen(1.5)])])


def roller_16_passes() -> tuple:
    return m.one_session(30.0, passes=16)


@case("ERY-02")
def hk_roller(s: Settings) -> Outcome:
    r = m.course(m.mf8(1.5), roller_16_passes())
    return Outcome([("downtime", float(r.sessions["downtime_days"].iloc[0]))])


@case("ERY-03")
def vietnam_roller(s: Settings) -> Outcome:
    r = m.course(m.mf8(1.5), m.freeze(sessions=2, spacing_days=7.0, horizon_days=14.0, passes=16))
    return Outcome([("first session", float(r.sessions["downtime_days"].iloc[0]))])


PEN_DEPTHS_MM = (0.25, 0.5, 1.0, 1.5, 2.0, 2.5)


@case("ERY-04")
def transient_aes(s: Settings) -> Outcome:
    values = downtimes([m.pen(d) for d in PEN_DEPTHS_MM])
    worst = max(values, key=lambda x: x[2])
    return Outcome([("longest", worst[2])], detail=f"at {depth_label(worst[1])}")


def punctures(depth_mm: float):
    return m.course(m.pen(depth_mm), m.one_session(30.0)).punctures


def bleeding_share(depth_mm: float) -> float:
    p = punctures(depth_mm)
    return float(((p["vessels"].to_numpy() & 1) != 0).mean())


@case("BLD-01")
def endpoint_bleeding(s: Settings) -> Outcome:
    return Outcome([(f"{d} mm", bleeding_share(d)) for d in (1.0, 1.5)])


@case("BLD-02")
def shallow_bleeding(s: Settings) -> Outcome:
    r = m.course(m.pen(0.25), m.one_session(30.0))
    v = r.summary_values()
    return Outcome(
        [("0.25 mm", bleeding_share(0.25))],
        detail=(
            f"mean depth {v['mean_depth_mm']:.3f} mm, blood {v['peak_blood_ul_per_cm2']:.3f} "
            f"uL/cm^2, downtime {v['downtime_days_mean']:.2f} d"
        ),
    )


@case("BLD-03")
def loop_depth(s: Settings) -> Outcome:
    return Outcome(
        [
            (site, m.skin(site).vessel_depths_um["capillary_loops"] * 1e-3)
            for site in ("cheek", "forehead", "periorbital", "neck")
        ]
    )


def share_reaching(depth_mm: float, layer: str) -> float:
    """Share of punctures whose deepest layer is ``layer`` or deeper (the categories of
    ``deepest_layer`` are in depth order)."""
    deepest = punctures(depth_mm)["deepest_layer"].cat
    return float((deepest.codes.to_numpy() >= deepest.categories.get_loc(layer)).mean())


@case("IND-01")
def home_depth(s: Settings) -> Outcome:
    return Outcome([("0.25 mm", share_reaching(0.25, "reticular_dermis"))])


@case("IND-02")
def wrinkle_depth(s: Settings) -> Outcome:
    return Outcome([("0.5 mm", share_reaching(0.5, "papillary_dermis"))])


@case("IND-03")
def scar_depth(s: Settings) -> Outcome:
    return Outcome([(f"{d} mm", share_reaching(d, "reticular_dermis")) for d in (1.0, 1.5, 2.0)])


# ----------------------------------------------------------------------------------------------
# 5 Delivery


@case("DEL-01")
def potts_guy(s: Settings) -> Outcome:
    p = m.table_value("healing/rates.csv", "topical_permeability_intact")  # m/s
    return Outcome([("intact SC", p * 100.0 * 3600.0)])


@case("DEL-02")
def dermal_diffusivity(s: Settings) -> Outcome:
    d = m.table_value("healing/rates.csv", "diffusivity_topical")  # m^2/s
    return Outcome([("dermis", d * 1e4)])


def delivery_elasticities() -> dict[str, float]:
    def el(a: float, b: float, xa: float, xb: float) -> float:
        return math.log(b / a) / math.log(xb / xa)

    depth = el(serum_peak(m.pen(0.7)), serum_peak(m.pen(1.4)), 0.7, 1.4)
    # density ~ 1/glide speed: 28.3 mm/s -> 0.71x, 14.1 mm/s -> 1.41x the reference density
    density = el(
        serum_peak(m.pen(1.0, hand_speed_mm_s=28.3)),
        serum_peak(m.pen(1.0, hand_speed_mm_s=14.1)),
        1 / 28.3,
        1 / 14.1,
    )
    diameter = el(
        serum_peak(m.pen(1.0, needle_diameter_mm=0.18)),
        serum_peak(m.pen(1.0, needle_diameter_mm=0.35)),
        0.18,
        0.35,
    )
    return {"depth": depth, "density": density, "diameter": diameter}


def elasticity_detail(e: dict[str, float]) -> str:
    return "elasticities: " + ", ".join(f"{k} {v:.3f}" for k, v in e.items())


@case("DEL-03")
def davidson_depth_first(s: Settings) -> Outcome:
    e = delivery_elasticities()
    return Outcome(
        [("depth / max(others)", e["depth"] / max(abs(e["density"]), abs(e["diameter"])))],
        detail=elasticity_detail(e),
    )


@case("DEL-04")
def davidson_spacing_second(s: Settings) -> Outcome:
    e = delivery_elasticities()
    return Outcome(
        [("density / diameter", e["density"] / e["diameter"])], detail=elasticity_detail(e)
    )


@case("DEL-05")
def diminishing_returns(s: Settings) -> Outcome:
    doses = {d: serum_peak(m.pen(d)) for d in (0.25, 0.5, 1.0, 1.5, 2.0)}
    first, last = doses[0.5] - doses[0.25], doses[2.0] - doses[1.5]
    return Outcome(
        [("gain(1.5->2)/gain(0.25->0.5)", last / first)],
        detail="peak dermal dose " + ", ".join(f"{v:.0f}" for v in doses.values()) + " ug/cm^2",
    )


# ----------------------------------------------------------------------------------------------
# 6 Patients


def per_decade(young: float, old: float) -> float:
    return 100.0 * (old / young - 1.0) / 4.0  # 30 -> 70 y


@case("PAT-01")
def dermis_ageing(s: Settings) -> Outcome:
    return Outcome([("female", per_decade(m.skin(age=30).dermis_um, m.skin(age=70).dermis_um))])


@case("PAT-02")
def epidermis_ageing(s: Settings) -> Outcome:
    return Outcome(
        [
            (
                sex,
                per_decade(
                    m.skin(sex=sex, age=30).epidermis_um, m.skin(sex=sex, age=70).epidermis_um
                ),
            )
            for sex in ("female", "male")
        ]
    )


@case("PAT-03")
def collagen_ageing(s: Settings) -> Outcome:
    young = m.skin(age=30).layer("reticular_dermis").collagen_I_mg_cm3
    old = m.skin(age=70).layer("reticular_dermis").collagen_I_mg_cm3
    return Outcome([("reticular collagen I", per_decade(young, old) / 10.0)])


HBA1C = (6.0, 7.0, 8.0, 9.0, 10.0)


def hba1c_slope() -> tuple[float, str]:
    rates = [
        1.0 / m.dermal_damage_half_time(m.freeze(diabetes=True, hba1c_percent=a)) for a in HBA1C
    ]
    slope = np.polyfit(HBA1C, np.log(rates), 1)[0]
    halves = ", ".join(f"{1 / r:.1f}" for r in rates)
    return 100.0 * float(slope), f"half-times {halves} d at HbA1c 6-10 %"


@case("PAT-04")  # Christman
@case("PAT-05")  # Fesseha
def hba1c_healing_slope(s: Settings) -> Outcome:
    slope, detail = hba1c_slope()
    return Outcome([("slope", slope)], detail=detail)


@case("PAT-06")
def smoking(s: Settings) -> Outcome:
    smoker, healthy = m.dermal_damage_half_time(m.freeze(smoker=True)), m.dermal_damage_half_time()
    return Outcome(
        [("half-time ratio", smoker / healthy)], detail=f"{smoker:.1f} vs {healthy:.1f} d"
    )


def sparse_blood(patient: tuple) -> float:
    r = m.course(m.pen(1.5, hand_speed_mm_s=60.0), m.one_session(30.0), patient)
    return r.summary_values()["peak_blood_ul_per_cm2"]


@case("PAT-07")
def anticoagulants(s: Settings) -> Outcome:
    a, b = sparse_blood(m.freeze(anticoagulant=True)), sparse_blood(())
    return Outcome([("blood ratio", a / b)], detail=f"{a:.1f} vs {b:.1f} uL/cm^2")


def reference(patient: tuple = ()) -> punctum.CourseResult:
    return m.course(m.pen(1.0), m.reference_protocol(), patient)


@case("PAT-08")
def keloid(s: Settings) -> Outcome:
    a = reference(m.freeze(keloid_tendency=True)).summary_values()["collagen_gain_percent"]
    b = reference().summary_values()["collagen_gain_percent"]
    return Outcome([("gain ratio", a / b)], detail=f"{a:+.1f} % vs {b:+.1f} %")


@case("PAT-09")
def phototype(s: Settings) -> Outcome:
    a = reference(m.freeze(fitzpatrick=6)).summary_values()["pigment_activation_peak"]
    b = reference().summary_values()["pigment_activation_peak"]
    return Outcome([("index ratio", a / b)], detail=f"{a:.2f} vs {b:.2f}")


def finding(patient: punctum.Patient, condition: str, severity: str, plan=None) -> float:
    found = punctum.screen(patient, plan)
    return float(any(f.condition == condition and f.severity == severity for f in found))


@case("PAT-10")
def screen_anticoagulant(s: Settings) -> Outcome:
    return Outcome(
        [("caution", finding(punctum.Patient(anticoagulant=True), "anticoagulant", "caution"))]
    )


@case("PAT-11")
def screen_isotretinoin(s: Settings) -> Outcome:
    p = punctum.Patient(recent_isotretinoin=True)
    return Outcome([("caution", finding(p, "recent_isotretinoin", "caution"))])


@case("PAT-12")
def screen_keloid(s: Settings) -> Outcome:
    p = punctum.Patient(keloid_tendency=True)
    return Outcome([("contraindicated", finding(p, "keloid_tendency", "contraindicated"))])


@case("PAT-13")
def screen_phototype(s: Settings) -> Outcome:
    return Outcome(
        [
            (f"type {t}", finding(punctum.Patient(fitzpatrick=t), "dark_phototype", "caution"))
            for t in (4, 5, 6)
        ]
    )


@case("PAT-14")
def screen_depth(s: Settings) -> Outcome:
    plan = punctum.TreatmentPlan(needle_length_mm=2.0)
    return Outcome(
        [("caution", finding(punctum.Patient(), "depth_beyond_evaluated", "caution", plan))]
    )


# ----------------------------------------------------------------------------------------------
# Clinic claims


def successive_ratios(settings: tuple, values: list[float]) -> list[tuple[str, float]]:
    """(label, ratio) of each value to the one before, labelled by the two depth settings."""
    pairs = zip(settings[:-1], settings[1:], values[:-1], values[1:], strict=True)
    return [(f"{a}->{b} mm", vb / va) for a, b, va, vb in pairs]


def mean_depth(depth_mm: float) -> float:
    return float(punctures(depth_mm)["depth_mm"].mean())


@case("CLI-01")
def lengths(s: Settings) -> Outcome:
    settings = (0.25, 0.5, 1.0, 1.5, 2.0)
    d = [mean_depth(x) for x in settings]
    return Outcome(
        successive_ratios(settings, d),
        detail="mean depth " + ", ".join(f"{x:.2f}" for x in d) + " mm",
    )


@case("CLI-02")
def sessions(s: Settings) -> Outcome:
    gains = [
        m.course(
            m.pen(1.0), m.freeze(sessions=n, spacing_days=28.0, horizon_days=28.0 * (n - 1) + 182.0)
        ).summary_values()["collagen_gain_percent"]
        for n in range(1, 7)
    ]
    steps = np.diff([0.0, *gains])
    violations = int(np.sum(steps <= 0) + np.sum(np.diff(steps) >= 0))
    return Outcome(
        [("violations", float(violations))],
        detail="gain after 1-6 sessions " + ", ".join(f"{g:.1f}" for g in gains) + " %",
    )


def residual_inflammation(spacing_days: float) -> float:
    r = m.course(
        m.pen(1.0),
        m.freeze(sessions=2, spacing_days=spacing_days, horizon_days=spacing_days + 30.0),
    )
    obs = r.observables
    t, c = obs["time_days"].values, obs["oedema_index"].values
    before = c[np.searchsorted(t, spacing_days) - 1]
    return float(before / c[t < spacing_days].max())


@case("CLI-03")
def spacing(s: Settings) -> Outcome:
    return Outcome([(f"{d:.0f} d", residual_inflammation(d)) for d in (14.0, 28.0, 42.0)])


@case("CLI-04")
def facial_redness(s: Settings) -> Outcome:
    sites = (("cheek", "female", 45.0), ("forehead", "female", 45.0))
    return Outcome(
        [
            (f"{site[0]} {depth_label(dev)}", v)
            for site, dev, v in downtimes([m.pen(1.0), m.pen(1.5)], sites)
        ]
    )


@case("CLI-05")
def deep_bleeding(s: Settings) -> Outcome:
    def blood(d):
        return m.course(m.pen(d), m.one_session(30.0)).summary_values()["peak_blood_ul_per_cm2"]

    a, b = blood(1.5), blood(0.5)
    return Outcome([("blood(1.5)/blood(0.5)", a / b)], detail=f"{a:.2f} vs {b:.3f} uL/cm^2")


@case("CLI-06")
def depth_redness(s: Settings) -> Outcome:
    settings = (0.5, 1.0, 1.5, 2.0)
    d = [v for _, _, v in downtimes([m.pen(x) for x in settings])]
    return Outcome(
        successive_ratios(settings, d),
        detail="downtime " + ", ".join(f"{x:.2f}" for x in d) + " d",
    )


@case("CLI-07")
def depth_closure(s: Settings) -> Outcome:
    a = closure_h(m.course(m.pen(2.0), m.one_session(30.0)))
    b = closure_h(m.course(m.pen(0.5), m.one_session(30.0)))
    return Outcome([("closure ratio", a / b)], detail=f"{a:.0f} h vs {b:.0f} h")


def inflammation_resolution(dev: tuple, patient: tuple = ()) -> float:
    r = m.course(dev, m.one_session(90.0), patient)
    return m.time_to_fraction_after_peak(r, "oedema_index", 0.1)


@case("CLI-08")
def depth_inflammation(s: Settings) -> Outcome:
    a, b = inflammation_resolution(m.pen(2.0)), inflammation_resolution(m.pen(0.5))
    return Outcome([("resolution ratio", a / b)], detail=f"{a:.0f} d vs {b:.0f} d")


def face_minutes(dev: tuple, passes: int = 1) -> float:
    return float(m.treat(dev, 300.0, passes).statistics["treatment_time_min"])


@case("CLI-09")
def face_default_pen(s: Settings) -> Outcome:
    dev = ("pen", m.freeze(needles=12, depth_mm=1.0, frequency_Hz=100.0))
    return Outcome([("300 cm^2", face_minutes(dev))])


@case("CLI-10")
def face_reference_pen(s: Settings) -> Outcome:
    return Outcome([("300 cm^2", face_minutes(m.pen(1.0)))])


@case("CLI-11")
def face_prime_density(s: Settings) -> Outcome:
    dev = m.pen(1.0, density_per_cm2=275.0)
    return Outcome(
        [("300 cm^2", face_minutes(dev))],
        detail=f"{m.treat(dev, 300.0, 1).statistics['density_per_cm2']:.0f} /cm^2",
    )


@case("CLI-12")
def face_roller(s: Settings) -> Outcome:
    stats = m.treat(m.mf8(1.5), 300.0, 16).statistics
    return Outcome(
        [("300 cm^2, 16 passes", stats["treatment_time_min"])],
        detail=f"{stats['density_per_cm2']:.0f} /cm^2",
    )


DIABETIC = m.freeze(diabetes=True, hba1c_percent=9.0)


@case("CLI-13")
def diabetes_closure(s: Settings) -> Outcome:
    a = reference(DIABETIC).summary_values()["closure_time_h_mean"]
    b = reference().summary_values()["closure_time_h_mean"]
    return Outcome([("closure ratio", a / b)], detail=f"{a:.0f} h vs {b:.0f} h")


@case("CLI-14")
def diabetes_redness(s: Settings) -> Outcome:
    a = reference(DIABETIC).summary_values()["downtime_days_mean"]
    b = reference().summary_values()["downtime_days_mean"]
    return Outcome([("downtime ratio", a / b)], detail=f"{a:.2f} d vs {b:.2f} d")


@case("CLI-15")
def diabetes_inflammation(s: Settings) -> Outcome:
    a, b = inflammation_resolution(m.pen(1.0), DIABETIC), inflammation_resolution(m.pen(1.0))
    return Outcome([("resolution ratio", a / b)], detail=f"{a:.0f} d vs {b:.0f} d")
