"""The registry of every field the coupler exchanges (ARCHITECTURE.md section 3).

A field is declared once with its units, CF standard name, sign convention,
sender and receivers, and, for fluxes, the budget quantity it carries and the
factor that turns its integral (field x area x time) into ledger units. A
component that names a field missing from this registry is an error: fields
are never created on the fly.

Kinds:

- ``state``: an instantaneous or interval-mean value (co2, tas); remapped by
  area weighting; carries nothing in the books.
- ``flux``: per unit area of the sender's own area fraction; remapped with the
  fraction-weighted merge ``map(f F) / map(f)``; its integral is booked.
- ``routed``: per unit area of the sender's fraction on the land grid, sent to
  the nearest ocean cell (``friver_c``); arrives as a rate per outlet cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import KG_PER_PG, KG_PER_TG
from .errors import CouplingError

#: Ledger units of each booked quantity, and the factor from SI integrals to them.
QUANTITY_UNITS = {"carbon": "Pg C", "nitrogen": "Tg N", "water": "kg", "energy": "J", "carbon13": "Pg 13C",
                  "carbon14": "Pg 14C"}
TO_LEDGER_UNITS = {"carbon": 1.0 / KG_PER_PG, "nitrogen": 1.0 / KG_PER_TG, "water": 1.0, "energy": 1.0}


@dataclass(frozen=True)
class Field:
    name: str
    units: str
    standard_name: str
    long_name: str
    source: str
    destinations: tuple[str, ...]
    kind: str = "state"
    quantity: str | None = None
    sign: str = ""

    @property
    def to_ledger(self) -> float:
        """Factor from the SI integral (kg, J) of this flux to ledger units."""
        return TO_LEDGER_UNITS[self.quantity] if self.quantity else 0.0


_FIELDS = [
    # land -> atmosphere
    Field("nee", "kg m-2 s-1", "surface_net_upward_mass_flux_of_carbon_dioxide_expressed_as_carbon_due_to_all_land_processes_excluding_anthropogenic_land_use_change",
          "net ecosystem exchange of carbon", "land", ("atmos",), "flux", "carbon", "positive into the atmosphere"),
    Field("fprod", "kg m-2 s-1", "surface_upward_mass_flux_of_carbon_dioxide_expressed_as_carbon_due_to_decay_of_harvested_products",
          "decay of harvest product pools to CO2", "land", ("atmos",), "flux", "carbon", "positive into the atmosphere"),
    Field("fn2o", "kg m-2 s-1", "surface_upward_mass_flux_of_nitrous_oxide_expressed_as_nitrogen",
          "soil N2O emission", "land", ("atmos",), "flux", "nitrogen", "positive into the atmosphere"),
    Field("hfls", "W m-2", "surface_upward_latent_heat_flux", "latent heat flux", "land", ("atmos",),
          "flux", "energy", "positive upward"),
    Field("hfss", "W m-2", "surface_upward_sensible_heat_flux", "sensible heat flux", "land", ("atmos",),
          "flux", "energy", "positive upward"),
    # land -> ocean (routed to the nearest ocean cell)
    Field("friver_c", "kg m-2 s-1", "mass_flux_of_carbon_into_sea_water_from_rivers",
          "dissolved carbon carried by rivers (exported per m2 of land, delivered as kg s-1 per outlet cell)",
          "land", ("ocean",), "routed", "carbon", "positive into the ocean"),
    Field("friver", "kg m-2 s-1", "water_flux_into_sea_water_from_rivers",
          "runoff carried by rivers (exported per m2 of land, delivered as kg s-1 per outlet cell)",
          "land", ("ocean",), "routed", "water", "positive into the ocean"),
    # ocean -> atmosphere
    Field("fgco2", "kg m-2 s-1", "surface_upward_mass_flux_of_carbon_dioxide_expressed_as_carbon",
          "air-sea CO2 flux (NOTE: positive INTO the atmosphere, opposite to CMIP's fgco2)",
          "ocean", ("atmos",), "flux", "carbon", "positive into the atmosphere"),
    # atmosphere -> land and ocean
    Field("co2", "1e-6", "mole_fraction_of_carbon_dioxide_in_air", "CO2 mole fraction (ppm)", "atmos", ("land", "ocean")),
    Field("co2_bgc", "1e-6", "mole_fraction_of_carbon_dioxide_in_air",
          "CO2 seen by biogeochemistry (ppm; differs from co2_rad in C4MIP -bgc/-rad runs)", "atmos", ("land", "ocean")),
    Field("co2_rad", "1e-6", "mole_fraction_of_carbon_dioxide_in_air", "CO2 seen by radiation (ppm)", "atmos", ("land", "ocean")),
    Field("tas", "K", "air_temperature", "near-surface air temperature", "atmos", ("land",)),
    Field("pr", "kg m-2 s-1", "precipitation_flux", "precipitation", "atmos", ("land",),
          "flux", "water", "positive downward"),
    Field("rsds", "W m-2", "surface_downwelling_shortwave_flux_in_air", "downwelling shortwave radiation",
          "atmos", ("land", "ocean"), "flux", "energy", "positive downward"),
    Field("rlds", "W m-2", "surface_downwelling_longwave_flux_in_air", "downwelling longwave radiation",
          "atmos", ("land",), "flux", "energy", "positive downward"),
    Field("huss", "1", "specific_humidity", "near-surface specific humidity", "atmos", ("land",)),
    Field("ps", "Pa", "surface_air_pressure", "surface air pressure", "atmos", ("land",)),
    Field("sfcWind", "m s-1", "wind_speed", "near-surface wind speed", "atmos", ("land", "ocean")),
    Field("tos", "K", "sea_surface_temperature", "sea surface temperature", "atmos", ("ocean",)),
    Field("ndep", "kg m-2 s-1", "tendency_of_atmosphere_mass_content_of_nitrogen_compounds_expressed_as_nitrogen_due_to_deposition",
          "nitrogen deposition", "atmos", ("land",), "flux", "nitrogen", "positive into the land"),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}


def get_field(name: str) -> Field:
    try:
        return FIELDS[name]
    except KeyError:
        import difflib

        match = difflib.get_close_matches(name, list(FIELDS), n=1)
        hint = f"; did you mean {match[0]!r}?" if match else ""
        raise CouplingError(f"field {name!r} is not in the coupler's field registry{hint}") from None


def check_component_fields(role: str, imports: tuple[str, ...], exports: tuple[str, ...]) -> None:
    """Every field a component names must be registered and routed to/from its role."""
    for name in exports:
        f = get_field(name)
        if f.source != role:
            raise CouplingError(f"{role} component exports {name!r}, but the registry has it sent by {f.source}")
    for name in imports:
        f = get_field(name)
        if role not in f.destinations:
            raise CouplingError(f"{role} component imports {name!r}, but the registry sends it to {', '.join(f.destinations)}")
