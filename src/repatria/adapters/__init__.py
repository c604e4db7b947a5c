"""The I/O adapters: what carries bytes between the pure core and the world outside it.

Each module here does one kind of I/O that a use case in ``service/`` asks for: HTTP to peer
nodes (``transport``, ``peer_client``), files on disk (``picture``), the host's font
registry (``fontconfig``). The database adapter is ``store/``; an adapter may import it,
never the other way. Adapters import the pure core and the foundation, and never
``service``, ``web``, ``cli`` or ``demo`` (docs/architecture.md, import-linter contracts).
"""
