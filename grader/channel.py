"""Messages on a socket between the grader and the student's side (``hw_checks.host``'s format:
``>II`` sizes, JSON, arrays' bytes). The reader refuses a message over its cap before reading
it, so nothing the student's side sends can make the grader allocate more than the cap."""
import socket

from hw_checks.host import HEADER, ProtocolError, unpack


class ChannelClosed(EOFError):
    """The other side closed the socket (or died)."""


class MessageTooLarge(ProtocolError):
    """A message announced more bytes than the reader accepts."""


def read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(sock: socket.socket, cap: int) -> tuple:
    """One message's JSON part and arrays' bytes; ``MessageTooLarge`` past ``cap`` bytes."""
    payload_bytes, text_bytes = HEADER.unpack(read_exactly(sock, HEADER.size))
    if payload_bytes > cap:
        raise MessageTooLarge(f"a message of {payload_bytes:,} bytes (the limit is {cap:,})")
    return unpack(read_exactly(sock, payload_bytes), text_bytes)
