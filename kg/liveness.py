"""Is a Bolt server frozen? A handshake on a new connection, answered or not in time.

A server whose process is suspended (SIGSTOP, Ctrl-Z) or frozen still has its listening
socket: the kernel completes the TCP connection for it, and a client already waiting for an
answer waits until the statement timeout. What a frozen server cannot do is answer: a Bolt
handshake (four bytes of magic and four version proposals, answered with the four bytes of
the version chosen, or zeros) is handled by the server's network threads whatever its
transactions are doing, so a busy server answers it at once and a frozen one never does. No
credentials are sent; the connection is closed right after the answer. Over TLS the TLS
handshake comes first (without checking the certificate: nothing is sent that needs it).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import time

# The Bolt preamble and four version proposals: 5.0-5.4, 4.4, none, none.
HANDSHAKE = b"\x60\x60\xb0\x17" + struct.pack(">IIII", 0x00040405, 0x00000404, 0, 0)

Address = tuple[str, int]


def silent(address: Address, timeout: float, *, tls: bool = False) -> bool:
    """Whether the Bolt server at ``address`` stays silent: no answer to a handshake within
    ``timeout`` seconds (nor to the connection itself). A server that answers is not silent,
    and neither is one that refuses or resets the connection: that one is gone, not frozen,
    which the caller's handling of a lost server covers (it may be restarting)."""
    deadline = time.monotonic() + timeout
    try:
        raw = socket.create_connection(address, timeout=timeout)
    except TimeoutError:
        return True
    except OSError:
        return False
    sock: socket.socket = raw
    try:
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw, server_hostname=address[0])
        sock.sendall(HANDSHAKE)
        received = b""
        while len(received) < 4:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            sock.settimeout(left)
            chunk = sock.recv(4 - len(received))
            if not chunk:
                return False  # closed: gone or not a Bolt server, not frozen
            received += chunk
        return False
    except TimeoutError:  # socket.timeout, and an SSL handshake that timed out
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            sock.close()
