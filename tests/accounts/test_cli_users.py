"""``geo-kissos users``: add, list, disable, set-roles; the password never an argument or output."""

from __future__ import annotations

import logging
from pathlib import Path

from click.testing import CliRunner

from geo_kissos.accounts import users
from geo_kissos.accounts.testing import JESENIK, OLOMOUC, seed_territory
from geo_kissos.cli import main
from geo_kissos.store import GpkgStore

SECRET = "tajne-heslo-2026!"


def test_users_commands(tmp_path: Path, _loaded_gpkg: Path, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "store.gpkg"
    seed_territory(GpkgStore(path), GpkgStore(_loaded_gpkg))
    run = CliRunner().invoke
    s = ["--store", str(path)]
    r = run(main, ["users", "add", "koord", "--role", f"orp_coordinator:{JESENIK}", "--password-stdin", *s],
            input=SECRET + "\n")
    assert r.exit_code == 0, r.output
    assert "orp_coordinator:" + JESENIK in r.output
    r = run(main, ["users", "add", "admin1", "--role", "admin", *s], input=f"{SECRET}\n{SECRET}\n")  # prompt
    assert r.exit_code == 0, r.output
    assert users.authenticate(GpkgStore(path), "koord", SECRET) is not None
    r = run(main, ["users", "add", "koord", "--password-stdin", *s], input=SECRET + "\n")
    assert r.exit_code != 0 and "already exists" in str(r.exception)
    r = run(main, ["users", "add", "x", "--role", "orp_coordinator:12", "--password-stdin", *s], input=SECRET + "\n")
    assert r.exit_code != 0 and "4 digits" in str(r.exception)
    r = run(main, ["users", "add", "weak", "--password-stdin", *s], input="short\n")
    assert r.exit_code != 0 and "at least" in str(r.exception)
    r = run(main, ["users", "set-roles", "koord", "--role", f"orp_coordinator:{OLOMOUC}", "--role",
                   "region_planner", *s])
    assert r.exit_code == 0, r.output
    assert users.get_user(GpkgStore(path), "koord").grants == {("orp_coordinator", OLOMOUC),
                                                               ("region_planner", "*")}
    r = run(main, ["users", "disable", "koord", *s])
    assert r.exit_code == 0 and "disabled" in r.output
    assert users.authenticate(GpkgStore(path), "koord", SECRET) is None
    r = run(main, ["users", "list", *s])
    assert "koord" in r.output and "disabled" in r.output and "admin1" in r.output
    # every change is in the audit log, as the operator, without the password or its hash
    log = GpkgStore(path).read("audit_log")
    assert set(log["actor_name"].str.startswith("system:cli:")) == {True}
    assert set(log["table_name"]) == {"app_user", "user_role"}
    everything = r.output + caplog.text + "".join(log["after"].dropna()) + "".join(log["before"].dropna())
    assert SECRET not in everything and "argon2" not in everything
    r = run(main, ["users", "list", "--store", str(tmp_path / "nowhere.gpkg")])
    assert r.exit_code != 0 and not (tmp_path / "nowhere.gpkg").exists()
