"""The one write path on both stores: scope on the server, history, deletions, concurrency."""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
from pathlib import Path

import pytest

from geo_kissos.accounts import audit, notes
from geo_kissos.accounts.audit import Change
from geo_kissos.accounts.roles import Actor
from geo_kissos.accounts.testing import JESENIK, OLOMOUC, municipality_of, seed_territory
from geo_kissos.errors import ConflictError, InputError, PermissionDenied, RecordNotFound
from geo_kissos.store import GpkgStore

T = notes.TABLE


def test_create_update_delete_keeps_every_version(partners_store, people):
    store, actor = partners_store, people["jesenik"].actor
    code = municipality_of(store, JESENIK)
    w = notes.add_note(store, actor, code, "kontakt", "Sociální odbor MěÚ, ústředna")
    key = w.key
    assert (w.action, w.version) == ("create", 1)
    rec = audit.get(store, T, key)
    assert rec["orp_code"] == JESENIK  # derived on the server
    audit.write(store, actor, Change(T, key, {"text": "Sociální odbor, 2. patro"}, expected_version=1))
    audit.write(store, actor, Change.delete(T, key, note="zastaralé"))
    assert audit.get(store, T, key) is None
    assert audit.get(store, T, key, deleted=True)["rec_deleted"] == 1  # the row stays
    assert audit.current(store, T).empty
    hist = audit.history(store, T, key)
    assert [h["action"] for h in hist] == ["create", "update", "delete"]
    assert [h["version"] for h in hist] == [1, 2, 3]
    assert hist[0]["before"] is None and hist[0]["after"]["text"] == "Sociální odbor MěÚ, ústředna"
    assert hist[1]["before"]["text"] == "Sociální odbor MěÚ, ústředna"
    assert hist[1]["after"]["text"] == "Sociální odbor, 2. patro"
    assert hist[2]["after"] is None and hist[2]["note"] == "zastaralé"
    assert {h["actor_name"] for h in hist} == {"jesenik"}
    # writing it again restores it, as version 4
    again = audit.write(store, actor, Change(T, key, {"municipality_code": code, "topic": "jine", "text": "x"}))
    assert (again[0].action, again[0].version) == ("restore", 4)


def test_unchanged_values_write_nothing(partners_store, people):
    actor = people["jesenik"].actor
    code = municipality_of(partners_store, JESENIK)
    w = notes.add_note(partners_store, actor, code, "kontakt", "A")
    assert audit.write(partners_store, actor, Change(T, w.key, {"text": " A "})) == []
    assert len(partners_store.read("audit_log", {"table_name": T})) == 1


def test_coordinator_cannot_touch_another_orp(partners_store, people):
    store = partners_store
    jes, olo = people["jesenik"].actor, people["olomouc"].actor
    olo_code, jes_code = municipality_of(store, OLOMOUC), municipality_of(store, JESENIK)
    theirs = notes.add_note(store, olo, olo_code, "kontakt", "Magistrát").key
    before = store.read("audit_log")
    with pytest.raises(PermissionDenied) as e:  # create in Olomouc
        notes.add_note(store, jes, olo_code, "kontakt", "cizí")
    assert e.value.http_status == 403
    with pytest.raises(PermissionDenied):  # edit Olomouc's record
        audit.write(store, jes, Change(T, theirs, {"text": "přepsáno"}))
    with pytest.raises(PermissionDenied):  # move it into Jeseník (crafted: the record is Olomouc's)
        audit.write(store, jes, Change(T, theirs, {"municipality_code": jes_code}))
    with pytest.raises(PermissionDenied):  # a crafted orp_code is not taken from the client
        audit.write(store, jes, Change(T, {"note_id": audit.new_id()},
                                       {"municipality_code": olo_code, "orp_code": JESENIK,
                                        "topic": "jine", "text": "x"}))
    with pytest.raises(PermissionDenied):
        audit.write(store, jes, Change.delete(T, theirs))
    with pytest.raises(PermissionDenied):  # the planner reads all but writes no ORP note
        audit.write(store, people["planner"].actor, Change(T, theirs, {"text": "kraj"}))
    # nothing of it was written
    assert len(store.read("audit_log")) == len(before)
    assert audit.get(store, T, theirs)["text"] == "Magistrát"
    # the multi-role user may write both; the planner sees both, a coordinator its own
    mine = notes.add_note(store, people["multi"].actor, jes_code, "jine", "m").key
    assert len(audit.visible(store, people["planner"].actor, T)) == 2
    seen = audit.visible(store, jes, T)
    assert list(seen["note_id"]) == [mine["note_id"]]
    assert audit.visible(store, people["provider"].actor, T).empty


def test_bad_values_name_the_field_and_write_nothing(partners_store, people):
    actor = people["jesenik"].actor
    code = municipality_of(partners_store, JESENIK)
    with pytest.raises(InputError) as e:
        audit.write(partners_store, actor, [
            Change(T, {"note_id": "a"}, {"municipality_code": code, "topic": "nic", "text": "x"},
                   source="notes.xlsx", location="row 2"),
            Change(T, {"note_id": "b"}, {"municipality_code": code, "topic": "jine", "text": "",
                                         "rec_version": 7}, source="notes.xlsx", location="row 3"),
        ])
    msg = e.value.report()
    assert "notes.xlsx, row 2, field 'topic'" in msg
    assert "notes.xlsx, row 3, field 'rec_version'" in msg
    with pytest.raises(InputError, match="field 'text': povinný"):
        audit.write(partners_store, actor, Change(T, {"note_id": "c"},
                                                  {"municipality_code": code, "topic": "jine", "text": "  "}))
    with pytest.raises(InputError, match="municipality_code"):
        notes.add_note(partners_store, actor, "999999x", "jine", "x")
    with pytest.raises(InputError, match="unknown|neznámý sloupec"):
        audit.write(partners_store, actor, Change(T, {"note_id": "d"}, {"colour": "red"}))
    assert partners_store.read("audit_log", {"table_name": T}).empty
    assert partners_store.read(T).empty


def test_stale_version_and_missing_record(partners_store, people):
    actor = people["jesenik"].actor
    w = notes.add_note(partners_store, actor, municipality_of(partners_store, JESENIK), "jine", "a")
    audit.write(partners_store, actor, Change(T, w.key, {"text": "b"}, expected_version=1))
    with pytest.raises(ConflictError) as e:
        audit.write(partners_store, actor, Change(T, w.key, {"text": "c"}, expected_version=1))
    assert e.value.http_status == 409
    with pytest.raises(RecordNotFound):
        audit.write(partners_store, actor, Change.delete(T, {"note_id": "none"}))
    assert audit.get(partners_store, T, w.key)["text"] == "b"


def test_sync_replaces_a_partition_with_history(partners_store, people):
    admin = people["admin"].actor
    uid = people["multi"].user.user_id
    audit.sync(partners_store, admin, "user_role", {"user_id": uid},
               [{"role": "orp_coordinator", "scope": JESENIK}, {"role": "region_planner", "scope": "*"}])
    now = audit.current(partners_store, "user_role", {"user_id": uid})
    assert sorted(zip(now["role"], now["scope"], strict=True)) == [("orp_coordinator", JESENIK),
                                                                   ("region_planner", "*")]
    log = partners_store.read("audit_log", {"table_name": "user_role"})
    mine = log.loc[log["record_key"].str.contains(uid)]
    assert sorted(mine["action"]) == ["create"] * 4 + ["delete"] * 2


def test_audit_json_redacts_the_password_hash(partners_store, people):
    log = partners_store.read("audit_log", {"table_name": "app_user"})
    assert len(log) == len(people)
    for after in log["after"]:
        rec = json.loads(after)
        assert rec["password_hash"] == "(skryto)" and rec["session_nonce"] == "(skryto)"
    assert not log["after"].str.contains("argon2").any()


N = 8


def test_concurrent_threads_all_land(partners_store, people):
    actors = [people["jesenik"].actor, people["multi"].actor]
    code = municipality_of(partners_store, JESENIK)
    errors: list[BaseException] = []
    start = threading.Barrier(N)

    def one(i: int) -> None:
        try:
            start.wait()
            notes.add_note(partners_store, actors[i % 2], code, "jine", f"poznámka {i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(audit.current(partners_store, T)["text"]) == sorted(f"poznámka {i}" for i in range(N))
    assert len(partners_store.read("audit_log", {"table_name": T})) == N


def test_concurrent_updates_of_one_record_keep_every_version(partners_store, people):
    actor = people["jesenik"].actor
    key = notes.add_note(partners_store, actor, municipality_of(partners_store, JESENIK), "jine", "0").key
    start = threading.Barrier(N)

    def one(i: int) -> None:
        start.wait()
        audit.write(partners_store, actor, Change(T, key, {"text": f"v{i}"}))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    hist = audit.history(partners_store, T, key)
    assert [h["version"] for h in hist] == list(range(1, N + 2))  # no version lost or doubled
    # each version's "before" is the previous version's "after": no update was lost
    for prev, nxt in zip(hist, hist[1:], strict=False):
        assert nxt["before"] == prev["after"]


def _process_write(path: str, i: int, start, actor: Actor, code: str) -> None:
    start.wait()
    notes.add_note(GpkgStore(path), actor, code, "jine", f"proces {i}")


def test_concurrent_processes_on_gpkg_all_land(tmp_path: Path, _loaded_gpkg: Path):
    from geo_kissos.accounts.testing import seed_users

    store = GpkgStore(tmp_path / "store.gpkg")
    seed_territory(store, GpkgStore(_loaded_gpkg))
    actor = seed_users(store)["jesenik"].actor
    code = municipality_of(store, JESENIK)
    ctx = mp.get_context("spawn")
    n = 4  # each spawned process imports the whole stack
    start = ctx.Barrier(n)
    procs = [ctx.Process(target=_process_write, args=(str(store.path), i, start, actor, code)) for i in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    fresh = GpkgStore(store.path)
    assert sorted(audit.current(fresh, T)["text"]) == sorted(f"proces {i}" for i in range(n))
    assert len(fresh.read("audit_log", {"table_name": T})) == n
