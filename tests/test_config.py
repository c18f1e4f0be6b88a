"""Namelist reading and validation: every mistake names file, group and key."""

import pytest

from coupler.config import DRIVER_SETTINGS, load_config, settings_table
from coupler.errors import NamelistError


def write(tmp_path, text, name="exp.nml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_fill_missing_keys(tmp_path):
    cfg = load_config(write(tmp_path, "&driver\n stop_n = 3\n/\n"))
    assert cfg.driver.stop_n == 3
    assert cfg.driver.calendar == "noleap"
    assert cfg.driver.coupling_interval_s == 3600
    assert cfg.driver.history_frequencies == ["month", "year"]


def test_unknown_key_suggests_closest(tmp_path):
    path = write(tmp_path, "&driver\n stop_nn = 3\n/\n")
    with pytest.raises(NamelistError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg and "&driver" in msg and "stop_nn" in msg and "did you mean 'stop_n'" in msg


def test_wrong_type(tmp_path):
    with pytest.raises(NamelistError, match=r"&driver: stop_n: expected an integer, got 'five'"):
        load_config(write(tmp_path, "&driver\n stop_n = 'five'\n/\n"))


def test_real_accepts_integer_but_not_string(tmp_path):
    cfg = load_config(write(tmp_path, "&driver\n ledger_rtol = 0\n/\n"))
    assert cfg.driver.ledger_rtol == 0.0 and isinstance(cfg.driver.ledger_rtol, float)
    with pytest.raises(NamelistError, match="expected a real number"):
        load_config(write(tmp_path, "&driver\n ledger_rtol = 'tiny'\n/\n"))


def test_out_of_range(tmp_path):
    with pytest.raises(NamelistError, match=r"coupling_interval_s: value 10 is outside the allowed range \[60, 86400\]"):
        load_config(write(tmp_path, "&driver\n coupling_interval_s = 10\n/\n"))


def test_bad_choice_suggests(tmp_path):
    with pytest.raises(NamelistError, match=r"'noleep' is not one of .*did you mean 'noleap'"):
        load_config(write(tmp_path, "&driver\n calendar = 'noleep'\n/\n"))


def test_unknown_group(tmp_path):
    with pytest.raises(NamelistError, match=r"unknown group &drivr; did you mean 'driver'"):
        load_config(write(tmp_path, "&drivr\n stop_n = 1\n/\n"))


def test_missing_file(tmp_path):
    with pytest.raises(NamelistError, match="namelist file not found"):
        load_config(tmp_path / "nope.nml")


def test_syntax_error_names_file(tmp_path):
    path = write(tmp_path, "&driver\n stop_n = = 3 ,, '\n")
    with pytest.raises(NamelistError) as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_list_setting(tmp_path):
    cfg = load_config(write(tmp_path, "&driver\n history_frequencies = 'day', 'year'\n/\n"))
    assert cfg.driver.history_frequencies == ["day", "year"]
    with pytest.raises(NamelistError, match="'week' is not one of"):
        load_config(write(tmp_path, "&driver\n history_frequencies = 'day', 'week'\n/\n"))


def test_settings_table_lists_every_key():
    table = settings_table({"driver": DRIVER_SETTINGS})
    for s in DRIVER_SETTINGS:
        assert f"`{s.name}`" in table


def test_readme_settings_table_is_current():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(repo / "tools/make_settings_table.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
