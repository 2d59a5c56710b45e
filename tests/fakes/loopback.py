"""What every fake upstream shares: an HTTP server on 127.0.0.1 at a free port, serving from a
daemon thread, started and stopped by the test (or as a context manager)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    """A subclass's ``start`` calls ``serve`` with its request handler class and the class
    attributes through which the handler reaches the fake."""

    _server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def serve(self, handler: type[BaseHTTPRequestHandler], **attributes) -> Self:
        handler = type(handler.__name__, (handler,), attributes)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()  # the subclass's: ``serve`` with its handler

    def __exit__(self, *exc_info) -> None:
        self.stop()
