"""``Agent``: a named model with instructions, tools and a conversation that persists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tether.agent.conversation import Conversation
from tether.agent.events import AgentEvents
from tether.agent.ops import drive_async, drive_sync
from tether.agent.tools import Toolbox
from tether.agent.turn import start_steps, turn_steps
from tether.config import MemoryConfig, resolve_memory
from tether.errors import ConfigurationError, InvalidInputError

if TYPE_CHECKING:
    from tether.models import Run
    from tether.stores.base import SessionStore

Middleware = Callable[[Any, str], str]


def resolve_llm(spec: Any) -> Any:
    """An object with ``complete``/``acomplete``: ``spec`` itself, or ``get_llm(spec)``."""
    if spec is not None and not isinstance(spec, str) and callable(getattr(spec, "complete", None)):
        return spec
    from tether.llm import get_llm

    return get_llm(spec)


class Agent:
    """An agent that remembers its conversation.

    ``memory`` picks where the conversation lives (see :func:`tether.config.resolve_memory`):
    ``{"session_id": "s1"}`` persists it to the default file store, so a new process with the
    same id continues it. ``db`` takes a DbAdapter (an object with ``on_agent_start``,
    ``on_user_message``, ``on_agent_message``). ``llm`` is a model name or an LLM object; it
    is resolved on the first call, so creating an agent imports no LLM client.
    """

    def __init__(
        self,
        name: str = "Agent",
        instructions: str | None = None,
        llm: Any = None,
        memory: Any = None,
        db: object | None = None,
        tools: Iterable[Callable[..., Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        max_tool_rounds: int = 10,
        llm_options: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"an agent name must be a non-empty string, not {name!r}")
        if instructions is not None and not isinstance(instructions, str):
            raise InvalidInputError("instructions must be a string")
        if isinstance(db, str):
            raise ConfigurationError(
                "Agent(db=...) takes a DbAdapter object; to store the conversation in a "
                f"database, pass memory={{'session_id': ..., 'db': {db!r}}}"
            )
        if isinstance(max_tool_rounds, bool) or not isinstance(max_tool_rounds, int):
            raise InvalidInputError("max_tool_rounds must be an integer")
        self.name = name
        self.instructions = instructions
        self.db = db
        self.metadata = dict(metadata or {})
        self.max_tool_rounds = max_tool_rounds
        self.llm_options = dict(llm_options or {})
        self.toolbox = Toolbox(tools)
        self.tools = list(tools or [])
        self.events = AgentEvents(db)
        self.memory: MemoryConfig = resolve_memory(memory)
        self.own_memory = self.memory
        """The memory configuration given to the constructor (before joining a session)."""
        self.conversation = Conversation(self.memory, agent_name=name)
        self.middleware: list[Middleware] = []
        self.last_run: Run | None = None
        self._llm_spec = llm
        self._llm: Any = None
        self._started = False

    def __repr__(self) -> str:
        return f"<Agent {self.name!r} session={self.session_id!r}>"

    def check_unused(self) -> None:
        """Raise ``ConfigurationError`` if this agent has already talked."""
        if self._started:
            raise ConfigurationError(
                f"agent {self.name!r} has already talked in session {self.session_id!r}; "
                "create a new agent for this session"
            )

    def _bind(
        self, conversation: Conversation, memory: MemoryConfig, middleware: list[Middleware]
    ) -> Agent:
        """Make this agent talk in ``conversation`` (a Session's), before its first turn."""
        self.check_unused()
        self.conversation.close()
        self.conversation = conversation
        self.memory = memory
        self.middleware = middleware
        return self

    # --- what the agent is bound to ---------------------------------------------------

    @property
    def llm(self) -> Any:
        """The model (resolved on first use)."""
        if self._llm is None:
            self._llm = resolve_llm(self._llm_spec)
        return self._llm

    @property
    def session_id(self) -> str:
        """The id of the session this agent talks in."""
        return self.conversation.session_id

    @property
    def user_id(self) -> str:
        """The user the session belongs to."""
        return self.conversation.user_id

    @property
    def store(self) -> SessionStore:
        """The session store holding the conversation."""
        return self.conversation.store

    @property
    def history(self) -> list[dict[str, Any]]:
        """The stored conversation, oldest first, as model messages (restores it if needed)."""
        self.restore()
        conv = self.conversation
        return [m.to_llm() for m in conv.store.get_messages(conv.session_id, user_id=conv.user_id)]

    def restore(self) -> Agent:
        """Open the session now (normally done by the first chat) and run ``on_agent_start``."""
        if not self._started:
            drive_sync(start_steps(self))
        return self

    # --- talking ----------------------------------------------------------------------

    def chat(self, prompt: Any, **llm_options: Any) -> str:
        """Send ``prompt`` with the conversation so far; store both; return the reply."""
        return drive_sync(turn_steps(self, prompt, {**self.llm_options, **llm_options}))

    def start(self, prompt: Any, **llm_options: Any) -> str:
        """Same as :meth:`chat`."""
        return self.chat(prompt, **llm_options)

    async def achat(self, prompt: Any, **llm_options: Any) -> str:
        """:meth:`chat` for asyncio: awaits the model and the store's async twin."""
        return await drive_async(turn_steps(self, prompt, {**self.llm_options, **llm_options}))

    async def astart(self, prompt: Any, **llm_options: Any) -> str:
        """Same as :meth:`achat`."""
        return await self.achat(prompt, **llm_options)

    def clear_history(self) -> int:
        """Delete the stored messages of this conversation; returns how many went."""
        self.restore()
        conv = self.conversation
        return conv.store.clear_messages(conv.session_id, user_id=conv.user_id)

    def close(self) -> None:
        """Release the store if this agent opened it. Safe to call twice."""
        self.conversation.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
