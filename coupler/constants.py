"""Physical constants and unit conversions shared by every component.

One value of each constant is used everywhere (ARCHITECTURE.md section 4):
cell areas, remapping and ledger integrals all use ``EARTH_RADIUS_M``.
"""

#: Mean Earth radius, m (IUGG mean radius R1, Moritz 2000, Geodetic Reference System 1980).
EARTH_RADIUS_M = 6.371e6

#: kg per Pg (1 Pg = 1e12 kg), for carbon books reported in Pg C.
KG_PER_PG = 1.0e12
#: kg per Tg (1 Tg = 1e9 kg), for nitrogen books reported in Tg N.
KG_PER_TG = 1.0e9

#: Seconds per day (fixed; calendars with leap seconds are not supported).
SECONDS_PER_DAY = 86400
#: Days per year in the default ``noleap`` calendar.
DAYS_PER_NOLEAP_YEAR = 365

#: Atmospheric CO2 mass per mole fraction, Pg C per ppm (Prather et al. 2012, GRL 39, L09803; IPCC AR5 WG1 table 6.1 footnote).
PGC_PER_PPM = 2.124
