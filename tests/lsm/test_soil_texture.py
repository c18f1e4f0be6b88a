"""Soil texture rule and the Cosby et al. (1984) hydraulic parameters."""

import numpy as np
import pytest

from lsm.soil_texture import (
    FIELD_CAPACITY_SUCTION_M,
    WILTING_POINT_SUCTION_M,
    cosby_1984_parameters,
    texture_from_climate,
)

M_PER_INCH = 0.0254

# Textures of the USDA classes in table 2 of Cosby et al. (1984): sand, clay mass fractions.
SAND = (0.92, 0.03)
LOAM = (0.43, 0.18)
CLAY = (0.22, 0.58)

# Cosby et al. (1984) regressions evaluated by hand at those textures (S, Si, C in %):
#   b          = 3.10 + 0.157 C - 0.003 S
#   log10 psi  = 1.54 - 0.0095 S + 0.0063 Si      (cm)
#   theta_s    = 50.5 - 0.142 S - 0.037 C         (%)
#   log10 Ks   = -0.60 + 0.0126 S - 0.0064 C      (inch/h)
EXPECTED = {
    # sand: S 92, Si 5, C 3
    SAND: {"b": 3.10 + 0.471 - 0.276, "log_psi_cm": 1.54 - 0.874 + 0.0315,
           "theta_s": (50.5 - 13.064 - 0.111) / 100, "log_ks": -0.60 + 1.1592 - 0.0192},
    # loam: S 43, Si 39, C 18
    LOAM: {"b": 3.10 + 2.826 - 0.129, "log_psi_cm": 1.54 - 0.4085 + 0.2457,
           "theta_s": (50.5 - 6.106 - 0.666) / 100, "log_ks": -0.60 + 0.5418 - 0.1152},
    # clay: S 22, Si 20, C 58
    CLAY: {"b": 3.10 + 9.106 - 0.066, "log_psi_cm": 1.54 - 0.209 + 0.126,
           "theta_s": (50.5 - 3.124 - 2.146) / 100, "log_ks": -0.60 + 0.2772 - 0.3712},
}


@pytest.mark.parametrize("texture", [SAND, LOAM, CLAY], ids=["sand", "loam", "clay"])
def test_cosby_regressions_at_table_textures(texture):
    e = EXPECTED[texture]
    p = cosby_1984_parameters(*texture)
    assert p.b == pytest.approx(e["b"], rel=1e-13)
    assert p.psi_s_m == pytest.approx(10.0 ** e["log_psi_cm"] / 100.0, rel=1e-13)
    assert p.theta_s == pytest.approx(e["theta_s"], rel=1e-13)
    assert p.ksat_m_s == pytest.approx(10.0 ** e["log_ks"] * M_PER_INCH / 3600.0, rel=1e-13)


def test_cosby_values_in_si_units():
    # The same numbers as printed values, to catch unit slips (cm vs m, inch/h vs m/s).
    sand, loam, clay = (cosby_1984_parameters(*t) for t in (SAND, LOAM, CLAY))
    assert sand.b == pytest.approx(3.295, abs=1e-12)
    assert loam.b == pytest.approx(5.797, abs=1e-12)
    assert clay.b == pytest.approx(12.14, abs=1e-12)
    assert sand.theta_s == pytest.approx(0.37325, abs=1e-14)
    assert loam.theta_s == pytest.approx(0.43728, abs=1e-14)
    assert clay.theta_s == pytest.approx(0.4523, abs=1e-14)
    assert loam.psi_s_m == pytest.approx(0.238342, rel=1e-5)      # 23.8 cm
    assert loam.ksat_m_s == pytest.approx(4.73294e-6, rel=1e-5)   # 0.671 inch/h
    assert sand.ksat_m_s == pytest.approx(2.44642e-5, rel=1e-5)   # 3.47 inch/h


@pytest.mark.parametrize("texture", [SAND, LOAM, CLAY], ids=["sand", "loam", "clay"])
def test_field_capacity_and_wilting_point_lie_on_the_retention_curve(texture):
    p = cosby_1984_parameters(*texture)
    # Clapp-Hornberger: suction psi = psi_s (theta/theta_s)^-b; invert at both points.
    assert p.psi_s_m * (p.theta_fc / p.theta_s) ** -p.b == pytest.approx(FIELD_CAPACITY_SUCTION_M, rel=1e-12)
    assert p.psi_s_m * (p.theta_wp / p.theta_s) ** -p.b == pytest.approx(WILTING_POINT_SUCTION_M, rel=1e-12)
    assert 0.0 < p.theta_wp < p.theta_fc < p.theta_s


def test_loam_field_capacity_and_wilting_point_values():
    # theta = theta_s (psi_s / h)^(1/b) with the loam parameters above.
    p = cosby_1984_parameters(*LOAM)
    assert p.theta_fc == pytest.approx(0.43728 * (0.2383417 / 3.3) ** (1 / 5.797), rel=1e-6)
    assert p.theta_wp == pytest.approx(0.43728 * (0.2383417 / 150.0) ** (1 / 5.797), rel=1e-6)
    assert p.theta_fc == pytest.approx(0.2779, abs=1e-4)
    assert p.theta_wp == pytest.approx(0.1439, abs=1e-4)


def test_textures_order_as_cosby_class_means():
    # Cosby et al. (1984) class means (also Noah's SOILPARM.TBL): b 2.79 / 5.25 / 11.55,
    # Ks 4.66e-5 / 3.38e-6 / 9.74e-7 m/s for sand / loam / clay.  The regressions keep that order.
    sand, loam, clay = (cosby_1984_parameters(*t) for t in (SAND, LOAM, CLAY))
    assert sand.b < loam.b < clay.b
    assert sand.ksat_m_s > loam.ksat_m_s > clay.ksat_m_s
    assert sand.theta_wp < loam.theta_wp < clay.theta_wp
    assert sand.theta_fc - sand.theta_wp < loam.theta_fc - loam.theta_wp  # sand holds little plant water


def test_cosby_broadcasts_and_rejects_bad_texture():
    p = cosby_1984_parameters(np.array([0.92, 0.43, 0.22]), np.array([0.03, 0.18, 0.58]))
    assert p.b.shape == (3,)
    assert p.b[1] == pytest.approx(5.797, abs=1e-12)
    for sand, clay in ((0.7, 0.4), (-0.1, 0.2), (0.5, 1.2), (np.nan, 0.1)):
        with pytest.raises(ValueError):
            cosby_1984_parameters(sand, clay)


def test_texture_rule_end_members():
    # Humid tropics: MAP above Holdridge PET (58.93 * 27 = 1591 mm) -> no aridity, full weathering.
    sand, clay = texture_from_climate(27.0, 3000.0, 0.0)
    assert sand == pytest.approx(0.25, abs=1e-15) and clay == pytest.approx(0.45, abs=1e-15)
    # Temperate humid: loam.
    sand, clay = texture_from_climate(10.0, 800.0, 0.0)
    assert sand == pytest.approx(0.40, abs=1e-15) and clay == pytest.approx(0.20, abs=1e-15)
    # Closed boreal conifer forest (PET 0 below 0 degC): podzol index 0.8.
    sand, clay = texture_from_climate(-2.0, 500.0, 0.8)
    assert sand == pytest.approx(0.40 + 0.25 * 0.8, abs=1e-15)
    assert clay == pytest.approx(0.20 - 0.08 * 0.8, abs=1e-15)
    # Desert: A = 1 - 50 / (58.93 * 25).
    a = 1.0 - 50.0 / (58.93 * 25.0)
    sand, clay = texture_from_climate(25.0, 50.0, 0.0)
    assert sand == pytest.approx(0.40 + 0.45 * a, abs=1e-15)
    assert clay == pytest.approx(0.20 - 0.12 * a, abs=1e-15)


def test_texture_rule_bounds_over_all_climates():
    t, p, f = np.meshgrid(np.linspace(-30, 35, 27), np.linspace(0, 5000, 26), np.linspace(0, 1, 5))
    sand, clay = texture_from_climate(t, p, f)
    assert sand.shape == t.shape
    # Scaling for silt only acts when sand + clay > 0.97, i.e. sand > 0.37 and clay > 0.05, so it
    # cannot push either below its clip range.
    assert np.all((sand >= 0.05) & (sand <= 0.92)) and np.all((clay >= 0.03) & (clay <= 0.60))
    assert np.all(1.0 - sand - clay >= 0.03 - 1e-15)
    # Drier is sandier; wetter and warmer is more clayey.
    s_dry, c_dry = texture_from_climate(25.0, 200.0)
    s_wet, c_wet = texture_from_climate(25.0, 2500.0)
    assert s_dry > s_wet and c_dry < c_wet
