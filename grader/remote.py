"""The driver's end of a run: ``RemoteHost`` sends a stage's requests to the student's side in
the sandbox and decodes what comes back as data (``hw_checks.host``)."""
import socket
from typing import Any

from grader.channel import ChannelClosed, read_message
from grader.sandbox import Sandbox
from hw_checks.host import Host, ProtocolError, StudentError, decode, pack


class HostGone(RuntimeError):
    """The run's process ended (a crash, ``os._exit``, or the watchdog killed it)."""


class RemoteHost(Host):
    """A ``Host`` whose objects live in a run's process in ``sandbox``; each reply is read only
    up to ``cap`` bytes."""

    def __init__(self, sock: socket.socket, sandbox: Sandbox, cap: int):
        self.sock, self.sandbox, self.cap = sock, sandbox, cap

    def imports(self, modules: list[str]) -> None:
        self.sandbox.importing(+1)
        try:
            super().imports(modules)
        finally:
            self.sandbox.importing(-1)

    def _request(self, request: dict) -> Any:
        self.sandbox.waiting(+1)
        try:
            self.sock.sendall(pack(request))
            data, blobs = read_message(self.sock, self.cap)
        except (ChannelClosed, ConnectionError) as error:
            raise HostGone(str(error)) from None
        finally:
            self.sandbox.waiting(-1)
        reply = decode(data, blobs, student_side=False)
        if not isinstance(reply, dict) or len(reply) != 1 or not {"ok", "error"} >= set(reply):
            raise ProtocolError("a reply that is neither a result nor an error")
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            raise StudentError(*(str(error.get(key, ""))[:limit] for key, limit in
                                 (("type", 80), ("message", 4000), ("traceback", 6000))))
        return reply["ok"]

    def close(self) -> None:
        self.sock.close()
