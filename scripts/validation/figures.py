"""Figures of the validation report (full mode): docs/figures/validation_*.png."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import punctum  # noqa: E402
from punctum.plots import _finish  # noqa: E402

from validation import cases as c  # noqa: E402
from validation import model as m  # noqa: E402
from validation.model import Settings  # noqa: E402

BAND = {"color": "#2ca02c", "alpha": 0.15, "lw": 0}


def _save(fig, out: Path, name: str, caption: str) -> tuple[str, str]:
    """Writes the figure to out/name and closes it; returns (name, caption) for the report."""
    _finish(fig, out / name)
    return name, caption


def _layer_lines(ax, sk) -> None:
    """Where the reticular dermis and the fat begin, and the capillary loops (labels at left)."""
    for name, label in (("reticular_dermis", "reticular dermis"), ("hypodermis", "fat")):
        z = sk.top_um(name) * 1e-3
        ax.axhline(z, color="0.6", lw=0.8, ls=":")
        ax.text(2.55, z, f"{label} begins", va="bottom", ha="right", fontsize=7, color="0.4")
    loops = sk.vessel_depths_um["capillary_loops"] * 1e-3
    ax.axhline(loops, color="#d62728", lw=0.8, ls="--")
    ax.text(2.55, loops, "capillary loops", va="bottom", ha="right", fontsize=7, color="#d62728")


def depth(out: Path) -> tuple[str, str]:
    sk = m.skin()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    settings = np.array(c.PEN_DEPTHS_MM)
    pen_depth = [c.punctures(d)["depth_mm"].mean() for d in settings]
    a.plot(settings, settings, color="0.7", lw=1, label="achieved = nominal")
    a.plot(settings, pen_depth, "o-", label="pen, 12 needles, 100 Hz (travel-limited)")
    lengths = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    for force, style in ((5.0, "s--"), (10.0, "s-"), (20.0, "s:")):
        d = [c.firm_contact(L, force)["depth_reached_mm"] for L in lengths]
        a.plot(lengths, d, style, ms=4, label=f"MF8 roller, {force:.0f} N hand (force-limited)")
    a.set_xlim(0, 2.6)
    a.set_ylim(0, 2.6)
    _layer_lines(a, sk)
    a.set_xlabel("nominal depth: pen setting or roller needle length (mm)")
    a.set_ylabel("depth reached (mm)")
    a.set_title("Cheek, female, 45 y")
    a.legend(fontsize=7, loc="upper left")

    n = c.lam_needle()
    nominal = np.linspace(0.1, 1.5, 29)
    reached = [
        punctum.insert(n, m.abdomen(), speed_m_s=1e-4, travel_mm=float(x)).depth_reached_mm
        for x in nominal
    ]
    b.fill_between([0, 1.0], 0.0, 0.5, label="Lam 2008: < 50 % buried below 1 mm", **BAND)
    b.plot(nominal, np.array(reached) / nominal, "o-", ms=3, label="model, 0.1 mm/s (INS-10)")
    b.axhline(0.5, color="0.5", lw=0.8, ls="--")
    b.set_xlabel("nominal insertion depth (mm)")
    b.set_ylabel("depth reached / nominal")
    b.set_title("Slow insertion, abdomen (Lam 2008)")
    b.set_ylim(0, 1)
    b.legend(fontsize=7)
    return _save(
        fig,
        out,
        "validation_depth.png",
        "Nominal vs achieved depth. Left: a pen reaches 45-64 % of its setting on the cheek and "
        "stops at the dermis-fat junction; an MF8 roller's depth is set by the hand force. Right: "
        "slow insertion buries less than half of the nominal depth below 1 mm (Lam 2008, INS-10).",
    )


def redness(out: Path) -> tuple[str, str]:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    depths = np.array(c.PEN_DEPTHS_MM)
    down = [v for _, _, v in c.downtimes([m.pen(d) for d in depths])]
    a.axhspan(1.0, 2.0, label="SkinPen labelling 24-48 h (calibration target)", **BAND)
    a.axhspan(0.125, 0.25, color="#ff7f0e", alpha=0.2, lw=0, label="Hong Kong 2018 roller: 3-6 h")
    a.axhline(3.0, color="0.5", ls=":", lw=0.8, label="clinics: about 1-3 days")
    a.plot(depths, down, "o-", label="pen, 20 mm/s, cheek")
    for length, marker in ((0.5, "v"), (1.0, "s"), (1.5, "^")):
        d = [
            float(
                m.course(m.mf8(length), m.one_session(30.0, passes=p))
                .sessions["downtime_days"]
                .iloc[0]
            )
            for p in (4, 8, 16)
        ]
        a.plot([length] * 3, d, marker, ms=5, ls="none", label=f"MF8 {length} mm, 4/8/16 passes")
    a.set_xlabel("pen depth setting / roller needle length (mm)")
    a.set_ylabel("redness downtime (days)")
    a.set_title("Redness after one session")
    a.legend(fontsize=6.5)

    closure = [c.closure_h(m.course(m.pen(d), m.one_session(30.0))) for d in depths]
    infl = [c.inflammation_resolution(m.pen(d)) * 24.0 for d in depths]
    b.axhspan(0, 2, color="#ff7f0e", alpha=0.2, lw=0, label="Gupta 2011 unoccluded: < 2 h")
    b.axhspan(58, 63, label="PMC8259462: closure 58-63 h", **BAND)
    b.semilogy(depths, closure, "o-", label="epidermal closure (10 % open)")
    b.semilogy(depths, infl, "s-", label="dermal inflammation < 10 % of peak")
    b.set_ylim(0.5, 1000)
    b.set_xlabel("pen depth setting (mm)")
    b.set_ylabel("hours after the session")
    b.set_title("Healing times vs depth (CLI-06..08)")
    b.legend(fontsize=7)
    return _save(
        fig,
        out,
        "validation_redness.png",
        "Left: redness downtime grows with depth and saturates at 1.5 mm; the pen band is the "
        "calibration target, the roller sources disagree (3-6 h vs 1-2 days). Right: epidermal "
        "closure is 30 h at every depth, between the two human studies, and dermal inflammation "
        "does not resolve more slowly after deeper sessions.",
    )


def delivery(out: Path) -> tuple[str, str]:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    delays = np.array([0.0, 2.0, 6.0, 12.0, 24.0, 48.0, 72.0, 96.0, 168.0])
    dose = [c.serum_peak(m.pen(1.0), float(d)) for d in delays]
    intact = c.serum_peak(c.NON_PIERCING_STAMP)
    a.semilogy(delays, dose, "o-", label="after pen 1.0 mm (channels)")
    a.axhline(intact, color="#d62728", ls="--", label="stamp that does not pierce (no channels)")
    a.axvline(24, color="0.5", ls=":", lw=0.8)
    a.text(25, dose[0] * 0.5, "Kam 2012: still\nsignificant at 24 h", fontsize=7)
    a.set_xlabel("serum applied this long after needling (h)")
    a.set_ylabel("peak serum in the dermis (ug/cm^2)")
    a.set_title("Delivery with and without channels")
    a.legend(fontsize=7)

    depths = np.array([0.25, 0.5, 1.0, 1.5, 2.0])
    b.plot(depths, [c.serum_peak(m.pen(d)) for d in depths], "o-", label="depth (pen setting)")
    e = c.delivery_elasticities()
    b.set_xlabel("pen depth setting (mm)")
    b.set_ylabel("peak serum in the dermis (ug/cm^2)")
    b.set_title(
        "Diminishing returns with depth\n"
        f"elasticities: depth {e['depth']:.3f}, density {e['density']:.3f}, "
        f"diameter {e['diameter']:.3f}",
        fontsize=9,
    )
    return _save(
        fig,
        out,
        "validation_delivery.png",
        "Topical agent (10 kg/m^3 film for 4 h) in the dermis. Left: fresh channels carry orders "
        "of magnitude more than intact skin (a stamp that does not pierce); the window closes "
        "over 2-4 days as the epidermis repairs (CLO-07). Right: longer needles give diminishing "
        "returns (DEL-05); depth matters more than density or needle width (DEL-03, DEL-04).",
    )


PATIENTS = {
    "diabetes (HbA1c 9 %)": c.DIABETIC,
    "smoker": m.freeze(smoker=True),
    "anticoagulant": m.freeze(anticoagulant=True),
    "keloid tendency": m.freeze(keloid_tendency=True),
    "Fitzpatrick VI": m.freeze(fitzpatrick=6),
}


def patients(out: Path) -> tuple[str, str]:
    def outcomes(patient: tuple) -> dict[str, float]:
        v = c.reference(patient).summary_values()
        return {
            "epidermal closure": v["closure_time_h_mean"],
            "redness downtime": v["downtime_days_mean"],
            "dermal inflammation": c.inflammation_resolution(m.pen(1.0), patient),
            "collagen gain": v["collagen_gain_percent"],
            "peak blood": v["peak_blood_ul_per_cm2"],
            "pigment index": v["pigment_activation_peak"],
        }

    base = outcomes(())
    names = list(base)
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / len(PATIENTS)
    for i, (label, patient) in enumerate(PATIENTS.items()):
        o = outcomes(patient)
        ratios = [o[k] / base[k] for k in names]
        ax.bar(
            np.arange(len(names)) + (i - len(PATIENTS) / 2 + 0.5) * width,
            ratios,
            width,
            label=label,
        )
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_ylabel("relative to a healthy 45-year-old")
    ax.set_title("Patient factors on the reference course (column)")
    ax.legend(fontsize=7, ncol=3)
    return _save(
        fig,
        out,
        "validation_patients.png",
        "Patient factors relative to a healthy 45-year-old on the reference course. Diabetes "
        "doubles the barrier closure and dermal inflammation time and turns the collagen gain "
        "negative, but leaves redness unchanged (CLI-14): no patient factor enters the "
        "erythema model.",
    )


def histology(settings: Settings, out: Path) -> tuple[str, str]:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    r = c.el_domyati(settings)
    obs = r.observables
    t = obs["time_days"].values
    for name, label in (
        ("collagen_I_change_percent", "collagen I"),
        ("collagen_III_change_percent", "collagen III"),
        ("collagen_change_percent", "total collagen"),
        ("elastin_change_percent", "elastin"),
    ):
        a.plot(t, obs[name].values, label=label)
    for d in (30, 91):
        a.axvline(d, color="0.5", ls=":", lw=0.8)
    a.axhspan(10, 25, label="recalled +10-25 % (col I, III)", **BAND)
    a.axhline(0, color="0.3", lw=0.6)
    a.set_xlabel("days from the first session")
    a.set_ylabel("change from baseline (%)")
    a.set_title("El-Domyati protocol: 6 sessions 2 weeks apart, pen 1.5 mm")
    a.legend(fontsize=7)

    for label, res, marks in (
        ("Alam: 3 sessions, 2 weeks apart", c.alam(settings), (91, 182)),
        ("Vietnam: 13 weekly sessions", c.vietnam(settings), (84, 144)),
        ("Fabbrocini: 2 sessions, 8 weeks apart", c.fabbrocini(settings), (112,)),
    ):
        o = res.observables
        (line,) = b.plot(o["time_days"].values, o["condition_fill_fraction"].values, label=label)
        for d in marks:
            b.plot(d, res.value_at("condition_fill_fraction", d), "o", color=line.get_color())
    b.axhline(0, color="0.3", lw=0.6)
    b.set_xlabel("days from the first session")
    b.set_ylabel("atrophic scar: share of collagen deficit filled")
    b.set_title("Scar fill, MF8 1.5 mm, 16 passes (3D patch)")
    b.legend(fontsize=7)
    return _save(
        fig,
        out,
        "validation_histology.png",
        "Left: after six sessions two weeks apart collagen III more than doubles while collagen I "
        "stays below baseline at 3 months (OUT-03..06; dotted lines: El-Domyati's biopsies). "
        "Right: scar fill plateaus within ~2 months of the last session (OUT-07 fails), keeps "
        "rising after weekly sessions (OUT-08) and halves the deficit in two sessions (OUT-09).",
    )


def insertion(out: Path) -> tuple[str, str]:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    area, force = c.davis_points()
    slope, intercept = np.polyfit(area, force, 1)
    a.axhspan(0.08, 3.04, label="Davis 2004: 0.08-3.04 N", **BAND)
    a.plot(area, force, "o", label="model, hollow needles r 30-80 um, wall 5-58 um")
    x = np.linspace(0, area.max() * 1.05, 10)
    a.plot(x, intercept + slope * x, "-", color="0.4", label="least-squares line (INS-05)")
    a.set_xlabel("tip interfacial area (um^2)")
    a.set_ylabel("insertion force (N)")
    a.set_title("Force linear in tip area (Davis 2004)")
    a.legend(fontsize=7)

    speeds = np.geomspace(0.1, 10, 15)
    f = [
        punctum.insert(c.olatunji_needle(), m.abdomen(), speed_m_s=v * 1e-3).puncture_force_N
        for v in speeds
    ]
    b.semilogx(speeds, np.array(f) * 1e3, "-", label="model puncture force")
    b.plot([0.5, 1.0], [30.0, 21.6], "s", label="Olatunji 2013, 30 um base spacing")
    b.plot([0.5, 1.0], [28.0, 21.4], "D", label="Olatunji 2013, 600 um base spacing")
    b.axhspan(20, 30, label="V5 tolerance 0.02-0.03 N", **BAND)
    b.set_xlabel("insertion speed (mm/s)")
    b.set_ylabel("per-needle force (mN)")
    b.set_title("Sharp microneedle vs speed (INS-01, INS-02)")
    b.set_ylim(0, 40)
    b.legend(fontsize=7)
    return _save(
        fig,
        out,
        "validation_insertion.png",
        "Left: hollow-needle insertion force is linear in the tip's interfacial area and inside "
        "Davis's measured range. Right: the sharp-needle force sits in Olatunji's 20-30 mN but "
        "does not fall with speed as measured (INS-02 fails).",
    )


def make_all(settings: Settings, out: Path) -> list[tuple[str, str]]:
    out.mkdir(parents=True, exist_ok=True)
    return [
        insertion(out),
        depth(out),
        redness(out),
        delivery(out),
        histology(settings, out),
        patients(out),
    ]
