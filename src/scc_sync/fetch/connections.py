"""The connections HttpClient's requests go through: urllib3 connections that answer to their request's
deadline (watchdog.py) and check the address they reached against their fetch's policy (addresses.py)."""

from __future__ import annotations

from typing import Any

import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

from scc_sync.fetch.addresses import Guarded
from scc_sync.fetch.watchdog import Watched


class _HTTPConnection(Guarded, Watched, urllib3.connection.HTTPConnection):  # type: ignore[misc]
    scheme = "http"


class _HTTPSConnection(Guarded, Watched, urllib3.connection.HTTPSConnection):  # type: ignore[misc]
    scheme = "https"


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class ClientAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections (also through an HTTP proxy) are watched and guarded."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own connection classes
            manager.pool_classes_by_scheme = _POOLS
        return manager
