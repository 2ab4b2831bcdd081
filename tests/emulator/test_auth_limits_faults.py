"""API keys and scopes, rate limits with Roblox's headers, injected faults, clean shutdown."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from support.emulator import emulator_process, running_emulator

from .conftest import FULL_KEY, READ_ONLY_KEY, UNIVERSE, Urls


def test_missing_or_unknown_key_is_401_gateway_body(urls: Urls):
    for headers in ({}, {"x-api-key": "not-a-key"}):
        got = httpx.get(urls.v2, headers=headers)
        assert got.status_code == 401
        assert got.json() == {"errors": [{"code": 0, "message": "Invalid API Key"}]}


def test_key_lacking_scope_is_403_naming_it(urls: Urls, client: httpx.Client, store: str):
    client.post(f"{urls.v2}/{store}/entries", params={"id": "k"}, json={"value": 1})
    reader = httpx.Client(headers={"x-api-key": READ_ONLY_KEY})
    assert reader.get(f"{urls.v2}/{store}/entries/k").status_code == 200
    v2 = reader.patch(f"{urls.v2}/{store}/entries/k", json={"value": 2})
    assert v2.status_code == 403
    assert v2.json()["code"] == "PERMISSION_DENIED"
    assert "universe-datastores.objects:update" in v2.json()["message"]
    v1 = reader.post(
        f"{urls.v1}/datastore/entries/entry",
        params={"datastoreName": store, "entryKey": "new"},
        content=b"1",
    )
    assert v1.status_code == 403
    assert v1.json()["error"] == "INSUFFICIENT_SCOPE"
    assert "universe-datastores.objects:create" in v1.json()["message"]
    ordered = reader.get(f"{urls.ordered}/{store}/scopes/global/entries")
    assert ordered.status_code == 403
    assert "universe.ordered-data-store.scope.entry:read" in ordered.json()["message"]
    assert client.get(f"{urls.v2}/{store}/entries/k").json()["value"] == 1  # nothing changed


def test_key_values_never_appear_in_responses_or_logs(tmp_path: Path):
    secret = "canary-secret-5d1e"
    with emulator_process(tmp_path / "d.db", api_keys=[f"{secret}=*"]) as emulator:
        base = f"{emulator.base_url}/cloud/v2/universes/1/data-stores"
        responses = [
            httpx.get(base, headers={"x-api-key": secret}),
            httpx.get(base, headers={"x-api-key": secret + "x"}),
            httpx.get(base + "/s/entries/missing", headers={"x-api-key": secret}),
        ]
        stderr = emulator.stderr_text()
    for response in responses:
        assert secret not in response.text and secret not in str(response.headers)
    assert secret not in stderr


def test_rate_limit_429_with_roblox_headers(tmp_path: Path):
    limits = {"requests_per_minute": {"standard.read": 3}, "window_seconds": 60}
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE, rate_limits=limits) as base:
        http = httpx.Client(headers={"x-api-key": "any"})
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/s/entries/k"
        statuses = [http.get(url) for _ in range(4)]
        assert [r.status_code for r in statuses] == [404, 404, 404, 429]
        first, throttled = statuses[0], statuses[3]
        assert first.headers["x-ratelimit-limit"] == "3, 3;w=60"
        assert first.headers["x-ratelimit-remaining"] == "2"
        assert throttled.json()["code"] == "RESOURCE_EXHAUSTED"
        assert throttled.headers["x-ratelimit-remaining"] == "0"
        assert 0 < int(throttled.headers["retry-after"]) <= 60
        assert 0 < int(throttled.headers["x-ratelimit-reset"]) <= 60
        # Another budget (list) is independent.
        listed = http.get(f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores")
        assert listed.status_code == 200


def test_rate_limit_window_slides(tmp_path: Path):
    limits = {"requests_per_minute": {"standard.list": 2}, "window_seconds": 1}
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE, rate_limits=limits) as base:
        http = httpx.Client(headers={"x-api-key": "any"})
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores"
        assert [http.get(url).status_code for _ in range(3)] == [200, 200, 429]
        import time

        time.sleep(1.1)
        assert http.get(url).status_code == 200


def _fault_statuses(data: Path, seed: int, count: int) -> list[str]:
    outcomes: list[str] = []
    with running_emulator(
        data, faults="5xx=0.2,429=0.2,reset=0.2", seed=seed, universe_id=UNIVERSE
    ) as base:
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores"
        with httpx.Client(headers={"x-api-key": "k"}) as http:
            for _ in range(count):
                try:
                    outcomes.append(str(http.get(url).status_code))
                except httpx.TransportError as exc:
                    outcomes.append(type(exc).__name__)
    return outcomes


def test_faults_are_deterministic_per_seed(tmp_path: Path):
    first = _fault_statuses(tmp_path / "a.db", seed=7, count=40)
    second = _fault_statuses(tmp_path / "b.db", seed=7, count=40)
    other = _fault_statuses(tmp_path / "c.db", seed=8, count=40)
    assert first == second
    assert first != other
    assert {"200", "500", "429"} <= set(first)
    assert any(outcome not in {"200", "500", "429"} for outcome in first)  # dropped connections


def test_5xx_after_applies_the_write_then_fails(tmp_path: Path):
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE, faults="5xx_after=1.0") as base:
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/s/entries/n:increment"
        answer = httpx.post(url, json={"amount": 1}, headers={"x-api-key": "k"})
        assert answer.status_code == 500 and answer.json()["code"] == "INTERNAL"
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE) as base:
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/s/entries/n"
        assert httpx.get(url, headers={"x-api-key": "k"}).json()["value"] == 1


def test_reset_drops_the_connection_before_applying(tmp_path: Path):
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE, faults="reset=1.0") as base:
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/s/entries/n:increment"
        with pytest.raises(httpx.TransportError):
            httpx.post(url, json={"amount": 1}, headers={"x-api-key": "k"})
    with running_emulator(tmp_path / "d.db", universe_id=UNIVERSE) as base:
        url = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/s/entries/n"
        assert httpx.get(url, headers={"x-api-key": "k"}).status_code == 404


def test_stops_cleanly_on_sigint(tmp_path: Path):
    with emulator_process(tmp_path / "d.db") as emulator:
        emulator.process.send_signal(signal.SIGINT)
        assert emulator.process.wait(timeout=10) == 0


def test_bad_options_fail_with_a_clear_message(tmp_path: Path):
    import subprocess
    import sys

    for args, expected in [
        (["--faults", "5xx=2"], "probability"),
        (["--api-key", "k=universe-datastores.objects:bogus"], "Unknown scope"),
        (["--rate-limits", str(tmp_path / "missing.json")], "neither"),
    ]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "datastore_manager.emulator",
                "--data",
                str(tmp_path / "d.db"),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr
        assert "bogus" not in done.stderr or "objects:bogus" in done.stderr


def test_full_key_is_accepted(client: httpx.Client, urls: Urls):
    assert client.headers["x-api-key"] == FULL_KEY
    assert client.get(urls.v2).status_code == 200
