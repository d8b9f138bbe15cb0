"""Scripted and random faults, credit, latency: what the client's retry logic is tested against."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from simtools import create

from app.simulator import Simulator


def test_scripted_status_faults_then_normal_service(
    simulator: Simulator, client: httpx.Client
) -> None:
    simulator.script("GET", "/workflow/", "500", "503", "429", "502")
    answers = [client.get("/workflow/abc") for _ in range(5)]
    assert [a.status_code for a in answers] == [500, 503, 429, 502, 404]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[3].headers["content-type"].startswith("text/html")
    assert [r.outcome for r in simulator.requests] == ["500", "503", "429", "502", "ok"]


def test_retry_after_follows_the_knob(simulator: Simulator, client: httpx.Client) -> None:
    simulator.config.retry_after = 0.25
    simulator.script("*", "/workflow", "429")
    assert client.get("/workflow/x").headers["Retry-After"] == "0.25"


def test_script_matches_method_and_prefix_only(simulator: Simulator, client: httpx.Client) -> None:
    simulator.script("PUT", "/workflow/", "500")
    assert client.get("/workflow/abc").status_code == 404  # other method: untouched
    assert client.put("/workflow/abc", json={}).status_code == 500
    assert client.put("/workflow/abc", json={}).status_code == 404


def test_malformed_is_a_200_with_html(
    simulator: Simulator, client: httpx.Client, photo: Path
) -> None:
    simulator.script("POST", "/workflow", "malformed")
    answer = create(client, photo)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        answer.json()
    assert simulator.created_count() == 0


def test_scripted_auth_and_credit_answers(
    simulator: Simulator, client: httpx.Client, photo: Path
) -> None:
    simulator.script("POST", "/workflow", "401", "403", "402", "404", "422")
    answers = [create(client, photo) for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 403, 402, 404, 422]
    assert answers[2].json() == {"message": "INSUFFICIENT_CREDIT"}
    assert answers[3].json() == {"message": "NOT_FOUND"}
    assert isinstance(answers[4].json()["detail"], list)
    assert simulator.created_count() == 0


def test_drop_before_creates_nothing(
    simulator: Simulator, client: httpx.Client, photo: Path
) -> None:
    simulator.script("POST", "/workflow", "drop_before")
    with pytest.raises(httpx.TransportError):
        create(client, photo)
    assert simulator.created_count() == 0
    assert simulator.requests[-1].status is None
    assert create(client, photo).status_code == 200  # then normal service
    assert simulator.created_count() == 1


def test_drop_after_creates_and_spends_credit(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(credit=2)
    sim.script("POST", "/workflow", "drop_after")
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        with pytest.raises(httpx.TransportError):
            create(http, photo)
        assert sim.created_count() == 1
        assert sim.config.credit == 1
        (entry,) = sim.requests
        assert entry.outcome == "drop_after" and entry.status is None
        assert entry.workflow_id in sim.workflows


def test_dropped_download_is_cut_short(
    simulator: Simulator, client: httpx.Client, photo: Path
) -> None:
    url = create(client, photo).json()["data"]["images"][0]
    simulator.script("GET", "/files/", "drop_after")
    with pytest.raises(httpx.TransportError):
        httpx.get(url)
    assert httpx.get(url).content == photo.read_bytes()


def test_credit_runs_out_then_add_credit(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(credit=2)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
        codes = [create(http, photo).status_code for _ in range(3)]
        assert codes == [200, 200, 402]
        refused = create(http, photo)
        assert refused.json() == {"message": "INSUFFICIENT_CREDIT"}
        sim.add_credit(1)
        assert create(http, photo).status_code == 200
        assert create(http, photo).status_code == 402
    assert sim.created_count() == 3


def test_validation_comes_before_credit(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(credit=0)
    answer = httpx.post(f"{sim.base_url}/workflow", data={"title": "x"}, headers={"X-Api-Key": "k"})
    assert answer.status_code == 422


def test_random_faults_are_seeded_and_spare_health(sim_factory) -> None:  # type: ignore[no-untyped-def]
    def run() -> list[int]:
        sim: Simulator = sim_factory(fault_rate=0.5, faults=("500", "503", "429"), seed=42)
        with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "k"}) as http:
            assert all(http.get("/health").status_code == 200 for _ in range(5))
            return [http.get("/workflow/x").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {500, 503, 429, 404} <= set(first)


def test_latency_and_slow(simulator: Simulator, client: httpx.Client) -> None:
    simulator.config.latency = 0.15
    started = time.monotonic()
    client.get("/workflow/x")
    assert time.monotonic() - started >= 0.15
    simulator.config.latency = 0.0
    simulator.script("GET", "/workflow/", "slow:0.2")
    started = time.monotonic()
    assert client.get("/workflow/x").status_code == 404
    assert time.monotonic() - started >= 0.2
    assert simulator.requests[-1].outcome == "slow:0.2"


def test_unknown_outcome_is_refused(simulator: Simulator) -> None:
    with pytest.raises(ValueError):
        simulator.script("GET", "/", "418")
