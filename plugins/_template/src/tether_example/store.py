"""The store class. A real backend subclasses ``tether.SessionStore`` and implements the
underscore primitives against its database; this template reuses the in-process memory
store so that the packaging, the hook, the capabilities and the kit wiring stay in view."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from tether.errors import InvalidInputError
from tether.stores.base import Capabilities
from tether.stores.memory import MemoryStore
from tether.stores.url import query_options, scheme_of, without_query


class ExampleStore(MemoryStore):
    """``example://NAME``: every store opened with the same NAME in one process shares data.

    It declares what it cannot do: data lives in this process only, so it is neither
    persistent nor shared between processes. The conformance kit skips exactly those tests.
    """

    backend_name = "example"
    capabilities = Capabilities(persistent=False, multi_process=False)
    # Our own table of named spaces, so example://x and memory://x never share data.
    _spaces: ClassVar[dict] = {}
    _spaces_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, url: str, **options: Any) -> None:
        if scheme_of(url) != "example":
            raise InvalidInputError(f"not an example:// URL: {url!r}")
        # Options may come as keyword arguments or in the query string; reject unknown ones
        # with an error that names them rather than ignoring them.
        unknown = sorted({**query_options(url), **options})
        if unknown:
            raise InvalidInputError(f"example:// takes no options, got {unknown}")
        super().__init__(without_query(url))
