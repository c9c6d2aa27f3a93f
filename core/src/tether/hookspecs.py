"""Every hook tether calls. Plugins implement them with ``@tether.hookimpl``.

Two kinds of hook:

* ``register_*`` hooks are called once, when the plugin manager is first used, with a
  ``register`` callback. A plugin calls ``register`` for each thing it provides.
* ``on_*`` hooks observe agent events. Globally installed plugins see every agent's events;
  an object passed as ``Agent(db=...)`` sees only that agent's, and needs no decorators.

Plugin modules should be cheap to import: do driver imports inside the factories.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "tether"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_session_stores(register: Any) -> None:
    """Provide session store backends.

    Call ``register(name, schemes, factory, description="")`` for each backend:

    * ``name``: the backend name users pass as ``MemoryConfig(backend=name)``; by convention
      also the entry point name.
    * ``schemes``: URL schemes it handles, e.g. ``("postgresql", "postgres")``.
    * ``factory(url, **options) -> SessionStore``: opens a store. Import drivers here, not
      at module level.

    Called once per plugin manager, the first time a backend is looked up.
    """


@hookspec
def register_llms(register: Any) -> None:
    """Provide language model providers.

    Call ``register(name, factory, description="")``. ``factory(model, **options)`` returns an
    object with ``complete(messages, **kwargs)`` and ``acomplete(...)`` (see
    :mod:`tether.llm`). A model string ``"name/model"`` picks the provider ``name``; a string
    without a known prefix goes to the ``openai`` provider.
    """


@hookspec
def register_token_counters(register: Any) -> None:
    """Provide token counters for context assembly.

    Call ``register(name, counter)`` where ``counter(messages: list[dict]) -> int``. The
    built-in ``approximate`` counter needs no download.
    """


@hookspec
def register_middleware(register: Any) -> None:
    """Provide named session middleware.

    Call ``register(name, fn)`` where ``fn(message, response) -> response``. Sessions accept
    the name in ``middleware=[...]`` as well as the function itself.
    """


@hookspec
def register_memory_backends(register: Any) -> None:
    """Provide long-term memory backends (``session.add_memory`` / ``search_memory``).

    Call ``register(name, factory, description="")``; ``factory(**config)`` returns the backend.
    """


@hookspec
def register_vector_stores(register: Any) -> None:
    """Provide vector stores for knowledge search.

    Call ``register(name, factory, description="")``; ``factory(**config)`` returns the store.
    """


@hookspec
def register_embedders(register: Any) -> None:
    """Provide text embedders for memory and knowledge.

    Call ``register(name, factory, description="")``; ``factory(**config)`` returns an object
    with ``embed(texts: list[str]) -> list[list[float]]``.
    """


@hookspec
def register_commands(register: Any) -> None:
    """Add commands to the ``tether`` command line.

    Call ``register(command, parent=None)`` with a ``click.Command`` (or group). ``parent``
    names an existing group (``"session"``, ``"db"``) to add it under; None adds it at the top.
    """


@hookspec
def on_agent_start(
    agent_name: str, session_id: str | None, user_id: str | None, metadata: dict[str, Any] | None
) -> list[dict[str, Any]] | None:
    """An agent is starting a conversation in ``session_id``.

    Return earlier messages (dicts with ``role`` and ``content``, optionally ``tool_calls``,
    ``tool_call_id``, ``name``) to restore them into the conversation, or None. When several
    implementations return messages, the agent uses the first non-empty list.
    """


@hookspec
def on_user_message(session_id: str | None, content: Any, metadata: dict[str, Any] | None) -> None:
    """A user message is about to be sent to the model (after ``on_agent_start``)."""


@hookspec
def on_agent_message(session_id: str | None, content: Any, metadata: dict[str, Any] | None) -> None:
    """The agent produced a reply (after the matching ``on_user_message``)."""


ADAPTER_HOOKS = ("on_agent_start", "on_user_message", "on_agent_message")
"""Hooks a plain object may implement without decorators (a DbAdapter)."""
