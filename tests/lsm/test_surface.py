"""Land surface data: packaged file, aggregation, PFT geography, user files and bad inputs."""

import importlib.util
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from atmos_stub.climatology import load_climatology
from coupler.errors import InputDataError
from coupler.grid import LatLonGrid
from lsm.pfts import CROP_PFTS, NPFT, PFT_NAMES, PFTS, TREE_PFTS, pft_index, trait
from lsm.surface import DEFAULT_PATH, FRACTION_TOLERANCE, load_surface

REPO = Path(__file__).resolve().parents[2]
MKM2 = 1e12  # m2 per million km2


def _load_tool():
    spec = importlib.util.spec_from_file_location("make_surface_data", REPO / "tools" / "make_surface_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def s05():
    return load_surface(LatLonGrid.regular(0.5))


@pytest.fixture(scope="module")
def s1():
    return load_surface(LatLonGrid.regular(1.0))


@pytest.fixture(scope="module")
def s2():
    return load_surface(LatLonGrid.regular(2.0))


def _area(s, k=None):
    a = s.grid.area_flat * s.land_fraction
    return a if k is None else a * s.pft_fraction[k]


def _cell(s, lat, lon):
    g = s.grid
    return int(np.searchsorted(g.lat_edges, lat) - 1) * g.nlon + int(np.searchsorted(g.lon_edges, lon) - 1)


# ----------------------------------------------------------------------------- packaged file
def test_packaged_file_is_compact_and_self_describing():
    assert DEFAULT_PATH.stat().st_size < 3e6
    with netCDF4.Dataset(DEFAULT_PATH) as ds:
        assert list(ds["pft_name"][:]) == list(PFT_NAMES)
        for name in ("landfrac", "pft_fraction", "sand", "clay"):
            assert ds[name].filters()["zlib"]
        assert ds["landfrac"].shape == (360, 720)
        assert ds["lat"][0] == -89.75 and ds["lon"][0] == 0.25


def test_global_land_area(s05):
    # The TBASE land mask gives 148.28 million km2 (lakes above sea level count as land),
    # 0.4 % below the usual 148.9 million km2 (29.2 % of the Earth's 510.1 million km2).
    total = _area(s05).sum()
    assert 1.480e14 < total < 1.486e14
    assert total == pytest.approx(148.9 * MKM2, rel=0.01)
    # Antarctica (south of 60 S) holds about 14 million km2.
    south = np.repeat(s05.grid.lat, s05.grid.nlon) < -60.0
    assert 12.5 * MKM2 < _area(s05)[south].sum() < 14.5 * MKM2


def test_native_grid_reproduces_the_file(s05):
    with netCDF4.Dataset(DEFAULT_PATH) as ds:
        land = np.asarray(ds["landfrac"][:], dtype=np.float64).reshape(-1)
        pft = np.asarray(ds["pft_fraction"][:], dtype=np.float64).reshape(NPFT, -1)
    assert np.array_equal(s05.land_fraction, land)
    has = land > 0
    np.testing.assert_allclose(s05.pft_fraction[:, has], pft[:, has], rtol=0, atol=2e-7)


@pytest.mark.parametrize("name", ["s1", "s2"])
def test_aggregation_conserves_land_and_pft_areas(s05, name, request):
    s = request.getfixturevalue(name)
    total = _area(s05).sum()
    assert _area(s).sum() == pytest.approx(total, rel=1e-13)
    for k in range(NPFT):
        assert _area(s, k).sum() == pytest.approx(_area(s05, k).sum(), rel=0, abs=1e-13 * total)
    # Texture is land-area weighted, so its land-area integral is conserved too.
    land05, land = _area(s05), _area(s)
    assert np.nansum(land * s.sand) == pytest.approx(np.nansum(land05 * s05.sand), rel=1e-12)


@pytest.mark.parametrize("name", ["s05", "s1", "s2"])
def test_fractions_are_consistent(name, request):
    s = request.getfixturevalue(name)
    has = s.land_fraction > 0
    assert np.all((s.land_fraction >= 0) & (s.land_fraction <= 1))
    assert np.all((s.pft_fraction >= 0) & (s.pft_fraction <= 1))
    np.testing.assert_allclose(s.pft_fraction[:, has].sum(axis=0), 1.0, rtol=0, atol=1e-12)
    assert np.all(s.pft_fraction[:, ~has] == 0)
    assert np.all(np.isfinite(s.sand[has])) and np.all(np.isnan(s.sand[~has]))
    np.testing.assert_allclose((s.sand + s.clay + s.silt)[has], 1.0, rtol=0, atol=1e-12)
    assert np.all((s.sand[has] >= 0.05) & (s.clay[has] >= 0.03) & (s.silt[has] >= 0.0))
    assert np.array_equal(s.crop_fraction, s.pft_fraction[list(CROP_PFTS)].sum(axis=0))
    vegetated = 1.0 - s.pft_fraction[pft_index("bare")]
    ecm = np.divide(trait("ecm_fraction") @ s.pft_fraction, vegetated, out=np.zeros(s.grid.ncells),
                    where=has & (vegetated > FRACTION_TOLERANCE))
    np.testing.assert_allclose(s.mycorrhizal_ecm_fraction, ecm, rtol=1e-15, atol=0)


def test_climate_is_the_atmosphere_climatology(s2):
    c = load_climatology(s2.grid)
    assert np.array_equal(s2.mat_K, c.mat_K)
    assert np.array_equal(s2.map_kg_m2_s, c.map_kg_m2_s)
    assert np.array_equal(s2.climate_data_fraction, c.data_fraction)
    assert np.array_equal(s2.climate_continentality, c.continentality)


# ----------------------------------------------------------------------------- geography at 2 degrees
def test_global_pft_areas_are_plausible(s2):
    land = _area(s2).sum()
    trees = sum(_area(s2, k).sum() for k in TREE_PFTS)
    # Tree canopy cover: 28 million km2 (Bastin et al. 2019, Science 365, 76).
    assert 24 * MKM2 < trees < 34 * MKM2
    crops = sum(_area(s2, k).sum() for k in CROP_PFTS)
    # FAO cropland (arable land and permanent crops) 15.6 million km2; IGBP cropland is >60 % crops.
    assert 11 * MKM2 < crops < 15.6 * MKM2
    c4_crop = _area(s2, pft_index("c4_crop")).sum() / crops
    legume = _area(s2, pft_index("legume_crop")).sum() / crops
    assert 0.17 < c4_crop < 0.25        # maize, sorghum, millet, sugar cane ~22 % of harvested area
    assert 0.07 < legume < 0.13         # soybean ~10 %
    c4 = _area(s2, pft_index("c4_grass")).sum() + _area(s2, pft_index("c4_crop")).sum()
    # C4 vegetation 18.8 million km2 (Still et al. 2003) from monthly climate; we only have MAT.
    assert 13 * MKM2 < c4 < 20 * MKM2
    # Antarctic and Greenland ice, barren land and sealed ground.
    assert 0.2 < _area(s2, pft_index("bare")).sum() / land < 0.35


def test_forest_land_matches_fao(s05):
    # IGBP forests (>60 % canopy) and woody savannas (30-60 %) against FAO FRA 2020 forest
    # land (>10 % canopy): 40.6 million km2, 31 % of the land.
    with netCDF4.Dataset(DEFAULT_PATH) as ds:
        cls = np.ma.filled(ds["igbp_class"][:], -1).reshape(-1)
    forest = _area(s05)[((cls >= 1) & (cls <= 5)) | (cls == 8)].sum()
    assert 36 * MKM2 < forest < 45 * MKM2


def test_pft_geography(s2):
    lat = np.repeat(s2.grid.lat, s2.grid.nlon)
    c4 = _area(s2, pft_index("c4_grass"))
    assert c4[np.abs(lat) < 30].sum() > 0.8 * c4.sum()
    bet = _area(s2, pft_index("broadleaf_evergreen_tropical_tree"))
    assert bet[np.abs(lat) < 23.5].sum() > 0.99 * bet.sum()
    needle = _area(s2, pft_index("needleleaf_evergreen_tree")) + _area(s2, pft_index("needleleaf_deciduous_tree"))
    assert needle[lat > 50].sum() > 0.55 * needle.sum()
    shrub_boreal = _area(s2, pft_index("shrub_boreal"))
    assert shrub_boreal[lat > 45].sum() > 0.8 * shrub_boreal.sum()


def test_amazon_cell_is_broadleaf_evergreen_and_am(s2):
    k = _cell(s2, -3.0, 300.0)  # Manaus, central Amazonia
    assert PFTS[int(np.argmax(s2.pft_fraction[:, k]))].name == "broadleaf_evergreen_tropical_tree"
    assert s2.pft_fraction[pft_index("broadleaf_evergreen_tropical_tree"), k] > 0.6
    assert s2.mycorrhizal_ecm_fraction[k] < 0.2
    assert PFTS[pft_index("broadleaf_evergreen_tropical_tree")].mycorrhizal_type == "AM"
    assert s2.crop_fraction[k] < 0.05
    assert s2.clay[k] > 0.35  # Ferralsols


def test_siberian_boreal_cell_is_needleleaf_and_ecm(s2):
    k = _cell(s2, 61.0, 127.0)  # larch taiga of central Yakutia
    dominant = PFTS[int(np.argmax(s2.pft_fraction[:, k]))]
    assert dominant.name.startswith("needleleaf") and dominant.mycorrhizal_type == "ECM"
    assert s2.mycorrhizal_ecm_fraction[k] > 0.5
    k = _cell(s2, 55.0, 260.0)  # Canadian boreal shield (Manitoba)
    assert PFTS[int(np.argmax(s2.pft_fraction[:, k]))].name == "needleleaf_evergreen_tree"
    assert s2.mycorrhizal_ecm_fraction[k] > 0.5


def test_texture_geography(s2):
    sahara, amazon = _cell(s2, 23.0, 10.0), _cell(s2, -3.0, 300.0)
    assert s2.sand[sahara] > 0.75 and s2.clay[sahara] < 0.12
    assert s2.clay[amazon] > s2.clay[sahara] and s2.sand[amazon] < s2.sand[sahara]


# ----------------------------------------------------------------------------- build rules (tools/)
def test_c4_share_rule_is_the_still_2003_fraction():
    tool = _load_tool()
    # MAT 22 with monthly means 12..32: half the year above 22, all of it above 5.
    assert tool.c4_grass_share(np.array([22.0]), np.array([12.0]), np.array([32.0]))[0] == pytest.approx(0.5)
    assert tool.c4_grass_share(np.array([28.0]), np.array([24.0]), np.array([32.0]))[0] == 1.0
    assert tool.c4_grass_share(np.array([0.0]), np.array([-20.0]), np.array([20.0]))[0] == 0.0
    # MAT 10, range +-15: above 22 a share arccos(0.8)/pi, above 5 arccos(-1/3)/pi.
    expected = np.arccos(0.8) / np.arccos(-1.0 / 3.0)
    assert tool.c4_grass_share(np.array([10.0]), np.array([-5.0]), np.array([25.0]))[0] == pytest.approx(expected)


def test_igbp_classes_map_to_documented_pfts():
    tool = _load_tool()
    n = tool.NCELL
    classes = np.arange(17)
    cls = np.full(n, -1)
    cls[:17] = classes
    tropical = (np.full(n, 27.0), np.full(n, 2500.0), np.zeros(n))          # MAT, MAP, latitude
    frac = tool.pft_fractions(cls, *tropical)
    np.testing.assert_allclose(frac[:, :17].sum(axis=0), 1.0, rtol=0, atol=1e-15)
    assert np.all(frac[:, 17:] == 0)
    assert frac[pft_index("broadleaf_evergreen_tropical_tree"), 2] == pytest.approx(0.80)
    assert frac[pft_index("c3_grass"), 2] == pytest.approx(0.15)           # forest floor is C3
    assert frac[pft_index("bare"), 15] == 1.0 and frac[pft_index("bare"), 0] == 1.0
    assert frac[pft_index("c4_grass"), 11] == pytest.approx(1.0)           # hot wetland: C4 herbs
    crops = frac[list(CROP_PFTS), 12]
    np.testing.assert_allclose(crops, 0.80 * tool.CROP_SHARES[tool.TROPICAL], rtol=1e-15)
    boreal = (np.full(n, -5.0), np.full(n, 400.0), np.full(n, 60.0))
    frac = tool.pft_fractions(cls, *boreal)
    assert frac[pft_index("needleleaf_deciduous_tree"), 3] == pytest.approx(0.80)
    assert frac[pft_index("shrub_boreal"), 7] == pytest.approx(0.35)
    assert frac[pft_index("c3_grass"), 7] == pytest.approx(0.65)           # tundra: PET 0, no bare
    assert frac[pft_index("needleleaf_evergreen_tree"), 5] == pytest.approx(0.40)


def test_landcover_gap_rules():
    tool = _load_tool()
    grid = LatLonGrid.regular(0.5)
    n = tool.NCELL
    land = np.zeros(n)
    primary = np.full(n, -1)
    raster = np.full(n, -1)
    a, b, c, d = 100 * 720 + 10, 100 * 720 + 11, 100 * 720 + 12, 100 * 720 + 13
    land[[a, b, c, d]] = (1.0, 1.0, 1.0, 0.5)
    primary[[a, b, c, d]] = (4, 0, 0, 0)
    raster[[a, b, c, d]] = (4, 8, 0, 0)
    cls, src = tool.assign_classes(land, primary, raster, grid)
    assert (cls[a], src[a]) == (4, 1)                                # IGBP2001Pr
    assert (cls[b], src[b]) == (8, 2)                                # RASTERVALU fill
    assert (cls[c], src[c]) == (0, tool.INLAND_WATER)                # all land, water in both: lake
    assert src[d] == tool.NEAREST and cls[d] in (4, 8)               # coast: nearest classified cell
    assert np.all(cls[land == 0] == -1)


# ----------------------------------------------------------------------------- user files
GRID30 = LatLonGrid.regular(30.0)


def _valid_fields(grid):
    n = grid.ncells
    land = np.zeros(n)
    land[: n // 2] = 1.0
    land[n // 2: n // 2 + 5] = 0.25
    pft = np.zeros((NPFT, n))
    pft[pft_index("bare")] = np.where(land > 0, 0.25, 0.0)
    pft[pft_index("c3_grass")] = np.where(land > 0, 0.5, 0.0)
    pft[pft_index("needleleaf_evergreen_tree")] = np.where(land > 0, 0.25, 0.0)
    sand = np.where(land > 0, 0.5, np.nan)
    clay = np.where(land > 0, 0.25, np.nan)
    return {"landfrac": land, "pft_fraction": pft, "sand": sand, "clay": clay}


def _write(path, grid, fields, lat=None, lon=None, names=PFT_NAMES, drop=(), units=None, short=()):
    """Write ``fields`` (flat over ``grid``) as a surface or texture file; ``short`` variables lose a column."""
    lat = grid.lat if lat is None else lat
    lon = grid.lon if lon is None else lon
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("lat", len(lat))
        ds.createDimension("lon", len(lon))
        ds.createDimension("lon_short", len(lon) - 1)
        ds.createDimension("pft", len(names))
        for name, values in (("lat", lat), ("lon", lon)):
            if name not in drop:
                ds.createVariable(name, "f8", (name,))[:] = values
        if "pft_name" not in drop:
            v = ds.createVariable("pft_name", str, ("pft",))
            for k, name in enumerate(names):
                v[k] = name
        for name, values in fields.items():
            if name in drop:
                continue
            dims = ("pft", "lat", "lon") if values.ndim == 2 else ("lat", "lon")
            shape = (values.shape[0], len(lat), len(lon)) if len(dims) == 3 else (len(lat), len(lon))
            data = values.reshape(shape)
            if name in short:
                dims, data = dims[:-1] + ("lon_short",), data[..., :-1]
            v = ds.createVariable(name, "f8", dims, fill_value=np.nan)
            v[:] = data
            if units and name in units:
                v.units = units[name]
    return path


def test_user_file_on_the_model_grid_is_used_as_is(tmp_path):
    f = _valid_fields(GRID30)
    s = load_surface(GRID30, _write(tmp_path / "surf.nc", GRID30, f))
    assert np.array_equal(s.land_fraction, f["landfrac"])
    assert np.array_equal(s.pft_fraction, f["pft_fraction"])
    land = f["landfrac"] > 0
    assert np.all(s.sand[land] == 0.5) and np.all(s.clay[land] == 0.25) and np.all(s.silt[land] == 0.25)
    # ECM share of the vegetation: 0.25 needleleaf (0.9 ECM) in 0.75 vegetated.
    np.testing.assert_allclose(s.mycorrhizal_ecm_fraction[land], 0.25 * 0.9 / 0.75, rtol=1e-15)
    assert s.path == tmp_path / "surf.nc"


def test_user_file_north_to_south_and_lon_from_minus_180_is_reordered(tmp_path):
    f = _valid_fields(GRID30)
    f["landfrac"] = np.linspace(0.1, 1.0, GRID30.ncells)
    f["sand"] = np.linspace(0.2, 0.6, GRID30.ncells)
    f["clay"] = np.full(GRID30.ncells, 0.25)
    f["pft_fraction"][:, :] = 0.0
    f["pft_fraction"][pft_index("c4_grass")] = 1.0
    lon_order = np.argsort(np.where(GRID30.lon >= 180, GRID30.lon - 360, GRID30.lon))
    flipped = {k: v.reshape(v.shape[:-1] + GRID30.shape)[..., ::-1, :][..., lon_order].reshape(v.shape)
               for k, v in f.items()}
    lon = np.where(GRID30.lon >= 180, GRID30.lon - 360, GRID30.lon)[lon_order]
    s = load_surface(GRID30, _write(tmp_path / "s.nc", GRID30, flipped, lat=GRID30.lat[::-1], lon=lon))
    assert np.array_equal(s.land_fraction, f["landfrac"])
    assert np.array_equal(s.sand, f["sand"])


def test_fraction_tolerance_boundary(tmp_path):
    f = _valid_fields(GRID30)
    f["pft_fraction"][pft_index("c3_grass")] += np.where(f["landfrac"] > 0, 0.5 * FRACTION_TOLERANCE, 0.0)
    s = load_surface(GRID30, _write(tmp_path / "ok.nc", GRID30, f))
    land = f["landfrac"] > 0
    np.testing.assert_allclose(s.pft_fraction[:, land].sum(axis=0), 1.0, rtol=0, atol=1e-15)
    f["pft_fraction"][pft_index("c3_grass")] += np.where(land, 2.0 * FRACTION_TOLERANCE, 0.0)
    with pytest.raises(InputDataError, match="does not sum to 1"):
        load_surface(GRID30, _write(tmp_path / "bad.nc", GRID30, f))


def _bad(tmp_path, change, **kw):
    f = _valid_fields(GRID30)
    change(f)
    return _write(tmp_path / "bad.nc", GRID30, f, **kw)


def _set(name, k, value, pft=None):
    def change(f):
        if pft is None:
            f[name][k] = value
        else:
            f[name][pft_index(pft), k] = value
    return change


@pytest.mark.parametrize("change, kw, message", [
    (lambda f: None, {"drop": ("landfrac",)}, "variable 'landfrac' is missing"),
    (lambda f: None, {"drop": ("pft_fraction",)}, "variable 'pft_fraction' is missing"),
    (lambda f: None, {"drop": ("pft_name",)}, "variable 'pft_name' is missing"),
    (lambda f: None, {"drop": ("sand",)}, "variable 'sand' is missing"),
    (lambda f: None, {"drop": ("clay",)}, "variable 'clay' is missing"),
    (lambda f: None, {"drop": ("lat",)}, "variable 'lat' is missing"),
    (lambda f: None, {"names": PFT_NAMES[::-1]}, "pft_name lists"),
    (lambda f: None, {"lat": GRID30.lat + 1.0}, "neither the global 0.5 degree grid"),
    (lambda f: None, {"short": ("landfrac",)}, "'landfrac' has shape \\(6, 11\\), expected \\(6, 12\\)"),
    (lambda f: None, {"short": ("pft_fraction",)}, "'pft_fraction' has shape \\(14, 6, 11\\)"),
    (lambda f: f.update(pft_fraction=f["pft_fraction"][:-1]), {"names": PFT_NAMES[:-1]}, "pft_name lists"),
    (_set("landfrac", 3, 1.2), {}, "landfrac is outside \\[0, 1\\] in 1 cell"),
    (lambda f: f.update(landfrac=100.0 * f["landfrac"]), {}, "not percent"),
    (_set("landfrac", 3, -0.1), {}, "landfrac is outside"),
    (_set("landfrac", 3, np.nan), {}, "landfrac is missing"),
    (_set("pft_fraction", 3, 0.3, pft="bare"), {}, "does not sum to 1"),
    (_set("pft_fraction", 3, -0.25, pft="bare"), {}, "pft_fraction is outside"),
    (_set("pft_fraction", 3, np.nan, pft="bare"), {}, "pft_fraction is missing in a land cell"),
    (_set("sand", 3, 1.5), {}, "sand is outside"),
    (_set("clay", 3, -0.2), {}, "clay is outside"),
    (_set("sand", 3, np.nan), {}, "sand is missing in a land cell"),
    (_set("sand", 3, 0.8), {}, "sand \\+ clay exceeds 1"),
])
def test_bad_surface_file_names_file_and_problem(tmp_path, change, kw, message):
    path = _bad(tmp_path, change, **kw)
    with pytest.raises(InputDataError, match=message) as err:
        load_surface(GRID30, path)
    assert str(path) in str(err.value)


def test_missing_and_unreadable_surface_files(tmp_path):
    with pytest.raises(InputDataError, match="surface file not found") as err:
        load_surface(GRID30, tmp_path / "nope.nc")
    assert str(tmp_path / "nope.nc") in str(err.value)
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    with pytest.raises(InputDataError, match="not a readable netCDF") as err:
        load_surface(GRID30, junk)
    assert str(junk) in str(err.value)


def test_cells_without_land_are_not_checked(tmp_path):
    f = _valid_fields(GRID30)
    ocean = ~(f["landfrac"] > 0)
    f["sand"][ocean] = 7.0                  # unmasked fill values some tools write over the ocean
    f["pft_fraction"][:, ocean] = np.nan
    s = load_surface(GRID30, _write(tmp_path / "s.nc", GRID30, f))
    assert np.all(np.isnan(s.sand[ocean])) and np.all(s.pft_fraction[:, ocean] == 0.0)


def test_grid_off_the_half_degree_lattice_is_refused():
    with pytest.raises(ValueError, match="multiples of 0.5"):
        load_surface(LatLonGrid.regular(0.75))


# ----------------------------------------------------------------------------- texture override
def test_texture_file_on_the_model_grid_overrides_where_it_has_values(tmp_path, s2):
    g = s2.grid
    sand = np.full(g.ncells, np.nan)
    clay = np.full(g.ncells, np.nan)
    target = np.flatnonzero(s2.land_fraction > 0)[:50]
    sand[target], clay[target] = 0.7, 0.1
    path = _write(tmp_path / "tex.nc", g, {"sand": sand, "clay": clay}, drop=("pft_name",))
    s = load_surface(g, texture_file=path)
    assert np.all(s.sand[target] == 0.7) and np.all(s.clay[target] == 0.1)
    rest = np.setdiff1d(np.flatnonzero(s2.land_fraction > 0), target)
    assert np.array_equal(s.sand[rest], s2.sand[rest]) and np.array_equal(s.clay[rest], s2.clay[rest])
    assert s.texture_file == path


def test_texture_file_on_the_half_degree_grid_in_g_per_kg(tmp_path):
    g05 = LatLonGrid.regular(0.5)
    fields = {"sand": np.full(g05.ncells, 250.0), "clay": np.full(g05.ncells, 375.0)}
    path = _write(tmp_path / "tex05.nc", g05, fields, drop=("pft_name",),
                  units={"sand": "g kg-1", "clay": "g kg-1"})
    s = load_surface(GRID30, texture_file=path)
    land = s.land_fraction > 0
    # A 30 degree cell averages 3600 half-degree cells: rounding of at most 3600 ulps.
    rtol = 3600 * np.finfo(float).eps
    np.testing.assert_allclose(s.sand[land], 0.25, rtol=rtol)
    np.testing.assert_allclose(s.clay[land], 0.375, rtol=rtol)


@pytest.mark.parametrize("fields, units, message", [
    ({"sand": 1.2, "clay": 0.1}, None, "sand is outside"),
    ({"sand": 0.7, "clay": 0.5}, None, "sand \\+ clay exceeds 1"),
    ({"sand": 50.0, "clay": 20.0}, {"sand": "kg", "clay": "kg"}, "has units 'kg'"),
    ({"sand": 0.5, "clay": np.nan}, None, "have values in different cells"),
])
def test_bad_texture_file_names_file_and_problem(tmp_path, fields, units, message):
    values = {k: np.full(GRID30.ncells, v) for k, v in fields.items()}
    path = _write(tmp_path / "tex.nc", GRID30, values, drop=("pft_name",), units=units)
    with pytest.raises(InputDataError, match=message) as err:
        load_surface(GRID30, texture_file=path)
    assert str(path) in str(err.value)


def test_texture_file_without_clay_is_refused(tmp_path):
    path = _write(tmp_path / "tex.nc", GRID30, {"sand": np.full(GRID30.ncells, 0.5)}, drop=("pft_name",))
    with pytest.raises(InputDataError, match="variable 'clay' is missing") as err:
        load_surface(GRID30, texture_file=path)
    assert str(path) in str(err.value)


def test_model_grid_with_its_seam_at_180_west(tmp_path, s2):
    g = LatLonGrid(np.linspace(-90.0, 90.0, 91), np.linspace(-180.0, 180.0, 181))
    s = load_surface(g)
    rolled = np.roll(s2.land_fraction.reshape(s2.grid.shape), -90, axis=1).reshape(-1)
    np.testing.assert_allclose(s.land_fraction, rolled, rtol=0, atol=1e-15)
    # A user file on that grid, with its own (negative) longitudes, is used as is.
    g30 = LatLonGrid(np.linspace(-90.0, 90.0, 7), np.linspace(-180.0, 180.0, 13))
    f = _valid_fields(g30)
    f["landfrac"] = np.linspace(0.1, 1.0, g30.ncells)
    f["sand"], f["clay"] = np.full(g30.ncells, 0.5), np.full(g30.ncells, 0.25)
    f["pft_fraction"][:, :] = 0.0
    f["pft_fraction"][pft_index("c3_grass")] = 1.0
    s = load_surface(g30, _write(tmp_path / "s.nc", g30, f))
    assert np.array_equal(s.land_fraction, f["landfrac"])
