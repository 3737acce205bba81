"""No identifier, case number, date of birth or name leaves an upload: not in the GeoPackage file,
a PostGIS dump, the logs, the aggregates or their exports."""

from __future__ import annotations

import logging
import os
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
from applicants_helpers import PG_BIN_DIR

from geo_kissos.analysis import applicants as agg
from geo_kissos.collect import applicants as ap
from geo_kissos.demo.applicants import list_csv, synthetic_lists, synthetic_people
from geo_kissos.export.tables import write_csv
from geo_kissos.store import GpkgStore

DAY = date(2026, 11, 30)


def _secrets(people, lists) -> list[bytes]:
    out = []
    for p in people:
        rc = p.birth_number
        out += [rc, f"{rc[:6]}/{rc[6:]}", p.birth.isoformat(), f"{p.birth.day}.{p.birth.month}.{p.birth.year}",
                f"Syntetický žadatel {p.number}"]
    for frame in lists.values():
        if "Číslo spisu" in frame:
            out += list(frame["Číslo spisu"])
    return [s.encode("utf-8") for s in out] + [s.encode("cp1250") for s in out if not s.isascii()]


def _dump(store, request) -> bytes:
    url = request.getfixturevalue("pg_url")
    from sqlalchemy.engine import make_url

    u = make_url(url)
    cmd = [str(Path(PG_BIN_DIR) / "pg_dump"), "-h", u.host, "-p", str(u.port), "-U", u.username or "postgres",
           u.database]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, cwd="/").stdout


def test_nothing_personal_reaches_store_logs_or_outputs(homes_store, people, caplog, request, tmp_path) -> None:
    caplog.set_level(logging.DEBUG)
    munis = homes_store.read("municipality")[["municipality_code"]]
    persons = synthetic_people(munis, 150, seed=5)
    lists = synthetic_lists(persons, ["A49", "B49", "C50"], DAY, seed=5)
    prov = people["provider"].actor
    for sid, frame in lists.items():
        ap.upload_list(homes_store, prov, list_csv(frame), source=f"{sid}.csv", service_id=sid,
                       free_places=1, data_date=DAY)
    result = agg.store_aggregate(homes_store, 2026)
    assert int(result.cells.query("level == 'region' and type_code == '*'")["applicants"].iloc[0]) > 100
    pub = agg.published_demand(agg.demand_cells(homes_store, 2026))
    out = write_csv(pub, tmp_path / "demand.csv")
    secrets = _secrets(persons, lists)
    assert len(secrets) > 600
    if isinstance(homes_store, GpkgStore):
        blobs = {p.name: p.read_bytes() for p in Path(homes_store.path).parent.glob("store.gpkg*")}
    else:
        blobs = {"pg_dump": _dump(homes_store, request)}
        assert b"applicant_entry" in blobs["pg_dump"]  # the dump does hold the table
    blobs["log"] = caplog.text.encode("utf-8")
    blobs["export"] = out.read_bytes()
    blobs["aggregates"] = pub.to_json(date_format="iso").encode("utf-8")
    for name, blob in blobs.items():
        found = [s.decode("utf-8", "replace") for s in secrets if s in blob]
        assert not found, f"{name} holds personal data, e.g. {found[:1]}"
    stored = homes_store.read(ap.TABLE)
    assert stored["pseudonym"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert "Syntetický" not in pd.DataFrame(stored).to_csv()
