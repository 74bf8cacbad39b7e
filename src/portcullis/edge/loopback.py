"""Is a host this machine's loopback? One answer for ``--listen``, the Host guard and the Origin guard.

Decided by parsing addresses the way the operating system reads them, never by string prefixes:
``127.1``, ``0x7f.1`` and ``2130706433`` are ``127.0.0.1`` to the socket layer, so they are loopback
here too; ``localhost.example.org`` and ``127.0.0.1.evil.example`` are DNS names that can point
anywhere, so they are not. The only name taken as loopback is ``localhost`` itself.
"""

from __future__ import annotations

import ipaddress
import re
import socket

__all__ = ["is_loopback"]

# What inet_aton would read as an IPv4 address: dotted parts in decimal, octal or hex. Checked first,
# because inet_aton also accepts trailing text after whitespace ("127.0.0.1 evil").
_IPV4_FORMS = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)(\.(0[xX][0-9a-fA-F]+|[0-9]+)){0,3}$")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, an IP literal, ``[v6]`` in brackets, a trailing dot allowed) is loopback."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    name = name.removesuffix(".")
    if name == "localhost":
        return True
    if _IPV4_FORMS.match(name):
        try:
            return socket.inet_aton(name)[0] == 127
        except OSError:
            return False
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of it
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
