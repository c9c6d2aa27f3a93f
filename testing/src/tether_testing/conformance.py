"""The whole conformance suite as one class to subclass."""

from __future__ import annotations

from tether_testing.guard import check_subclass
from tether_testing.kit.async_api import AsyncTests
from tether_testing.kit.bad_input import BadInputTests
from tether_testing.kit.concurrency import ConcurrencyTests
from tether_testing.kit.hierarchy import HierarchyTests
from tether_testing.kit.lifecycle import LifecycleTests
from tether_testing.kit.messages import MessageTests
from tether_testing.kit.sessions import SessionTests
from tether_testing.kit.state import StateTests


class StoreConformance(
    SessionTests,
    MessageTests,
    StateTests,
    HierarchyTests,
    LifecycleTests,
    BadInputTests,
    ConcurrencyTests,
    AsyncTests,
):
    """Every test of the store contract. Subclass it and define a ``store_url`` fixture."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        check_subclass(StoreConformance, cls)
