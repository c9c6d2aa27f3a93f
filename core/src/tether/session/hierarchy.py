"""``from tether.session.hierarchy import HierarchicalSessionStore`` (an alias module)."""

from tether.facades import HierarchicalSessionStore

__all__ = ["HierarchicalSessionStore"]
