"""``file://``: the default store, human-readable JSON and JSON Lines files under one folder.

See :mod:`tether.stores.file.store` for the layout and docs/backends/file.md for the guide.
"""

from tether.stores.file.store import FileStore

__all__ = ["FileStore"]
