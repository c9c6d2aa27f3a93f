"""Sessions: :class:`Session`, :class:`SessionManager` and the store façades."""

from tether.facades import DefaultSessionStore, HierarchicalSessionStore, get_default_session_store
from tether.session.core import Session
from tether.session.manager import SessionManager

__all__ = [
    "DefaultSessionStore",
    "HierarchicalSessionStore",
    "Session",
    "SessionManager",
    "get_default_session_store",
]
