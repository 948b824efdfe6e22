"""The `[service]` section and `[web] listen`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scc_sync.config import ConfigError, parse_config


def test_service_defaults() -> None:
    service = parse_config({}).service
    assert service.shutdown_grace == timedelta(seconds=30)
    assert service.heartbeat == timedelta(seconds=30)
    assert service.reminder_check == timedelta(minutes=15)
    assert service.alert_after_failures == 3
    assert parse_config({"web": {"listen": "0.0.0.0:9000"}}).web.host_port == ("0.0.0.0", 9000)
    assert parse_config({"web": {"listen": "[::1]:9000"}}).web.host_port == ("::1", 9000)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"service": {"shutdown_grace": "soon"}}, "service.shutdown_grace: not a duration"),
        ({"service": {"heartbeat": "0s"}}, "service.heartbeat: must be at least 1s"),
        ({"service": {"housekeeping": "nightly"}}, "service.housekeeping: not a cron expression"),
        ({"service": {"alert_after_failures": 0}}, "service.alert_after_failures"),
        ({"service": {"grace": "30s"}}, "service.grace: unknown key"),
        ({"web": {"listen": "8080"}}, "web.listen: not an address like '127.0.0.1:8080'"),
        ({"web": {"listen": "localhost:http"}}, "web.listen: not an address"),
    ],
)
def test_bad_service_values_name_their_key(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, origin="scc.toml")
    assert expected in str(caught.value)


def test_cluster_defaults_and_their_checks() -> None:
    cluster = parse_config({}).cluster
    assert (cluster.heartbeat, cluster.stalled_after, cluster.batch) == (
        timedelta(seconds=10),
        timedelta(seconds=30),
        100,
    )
    with pytest.raises(ConfigError) as error:
        parse_config({"cluster": {"heartbeat": "20s", "stalled_after": "30s"}})
    assert "cluster: stalled_after (0:00:30) must be at least twice heartbeat (0:00:20)" in str(error.value)
    with pytest.raises(ConfigError, match=r"cluster\.batch"):
        parse_config({"cluster": {"batch": 0}})
