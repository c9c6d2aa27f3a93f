"""Agents: :class:`Agent` and the pieces of a turn."""

from tether.agent.core import Agent

__all__ = ["Agent"]
