"""The service's web listener: the subscriber pages (with `/healthz`) and `/metrics`, on waitress in a thread.

`SwitchableApp` lets a config reload put the pages built from the new config in place with one assignment;
`WebServer.close()` returns once the listener's thread has ended.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from prometheus_client import make_wsgi_app
from waitress import wasyncore
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from scc_sync.service.metrics import Metrics
from scc_sync.store import Store
from scc_sync.web.serve import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)


def wsgi_app(
    store: Store, pages: WSGIApplication | None = None, *, metrics: Metrics | None = None
) -> WSGIApplication:
    """`/metrics`; every other path goes to `pages` (the subscriber pages and `/healthz`), or is a 404."""
    metrics = metrics or Metrics(store)
    return DispatcherMiddleware(pages or NotFound(), {"/metrics": make_wsgi_app(metrics.registry)})


class SwitchableApp:
    """Forwards to `app`; a reload puts the app built from the new config there (one assignment)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        return self.app(environ, start_response)


class WebServer:
    """A waitress server in a background thread; `close()` stops it and returns when its thread has ended."""

    def __init__(self, app: WSGIApplication, host: str, port: int) -> None:
        self._server = make_server(app, f"{host}:{port}")
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="web", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        # Close every socket from inside waitress's own loop thread; the loop ends when nothing is left.
        server = self._server
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the loop's wake-up pipe is already gone, so the loop is not running: close here
            log.warning("web listener: its loop had already stopped; closing its sockets directly")
            wasyncore.close_all(server._map)
        self._thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)
