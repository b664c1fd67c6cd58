"""moto's AWS stand-in as a real server on 127.0.0.1 (port 0) that always stops.

The server runs in this process, so it shares moto's backends with ``mock_aws`` and with
tests that read them (``sts_backends``); it resets them when it starts and when it stops,
so no test sees another's clusters or assumed roles.
"""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["MotoServer"]

#: How often the serving thread looks for shutdown: stopping takes at most this long
#: (werkzeug's default, half a second, would be paid by every test that starts one).
_POLL_SECONDS = 0.01


class MotoServer:
    """moto's server on 127.0.0.1: ``url``; ``stop()`` (idempotent) closes it early.

    With ``tls_directory`` it serves HTTPS with a trustme CA written there as
    ``moto-ca.pem`` (``ca_bundle``): the cluster's token checker accepts only https
    STS URLs, and with an endpoint override the token is presigned for that endpoint.
    """

    def __init__(self, tls_directory: Path | None = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        context: ssl.SSLContext | None = None
        self.ca_bundle: Path | None = None
        if tls_directory is not None:
            import trustme

            authority = trustme.CA()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            authority.issue_cert("127.0.0.1").configure_cert(context)
            tls_directory.mkdir(parents=True, exist_ok=True)
            self.ca_bundle = tls_directory / "moto-ca.pem"
            authority.cert_pem.write_to_path(str(self.ca_bundle))
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            "127.0.0.1", 0, app, True, request_handler=MotoRequestHandler, ssl_context=context
        )
        scheme = "http" if context is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        self._running = True
        try:
            self.reset()
        except BaseException:
            self.stop()
            raise

    def reset(self) -> None:
        """Forget every resource moto holds (clusters, roles, assumed sessions)."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()

    def stop(self) -> None:
        if self._running:
            self._running = False
            try:
                self._server.shutdown()
                self._thread.join()
                self._server.server_close()
            finally:
                self.reset()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
