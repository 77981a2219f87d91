"""The dashboard's listening port, checked before anything is printed or started."""

from __future__ import annotations

import errno
import socket

from aristobot.errors import PortInUse


def check_port_free(address: str, port: int) -> None:
    """Raise :class:`PortInUse` when ``address:port`` cannot be listened on (before any output).

    The socket is opened as Tornado opens it (``SO_REUSEADDR``): a port only left in
    TIME_WAIT by a stopped server is free, a port another server listens on is not.
    """
    if port == 0:
        return  # any free port
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return  # an unknown address: the server says so itself
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(where)
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    raise PortInUse(port=port, address=address) from e
                # anything else (no IPv6 here, a privileged port): the server itself says why
