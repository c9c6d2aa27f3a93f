"""One agent turn, written once for ``chat`` and ``achat`` (see :mod:`tether.agent.ops`).

A turn: open the session (first turn only, with ``on_agent_start``), read the history,
``on_user_message``, call the model (and tools, as often as it asks), store the user
message and every reply in one ``append_messages`` call, save the run, then
``on_agent_message``. Store errors propagate; a failed turn stores no messages and
records a failed run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tether.agent.ops import Op, Steps, inline, store_op
from tether.errors import InvalidMessageError, LLMError, SessionNotFoundError
from tether.models import Message, Run, Span, Usage
from tether.runs import add_usage, complete_run, end_span, fail_run, start_run, usage_of

if TYPE_CHECKING:
    from tether.agent.core import Agent
    from tether.config import MemoryConfig


def start_steps(agent: Agent) -> Steps[None]:
    """Open the session and restore what ``on_agent_start`` hooks return, once per agent."""
    conv = agent.conversation
    conv.check_live()
    yield from conv.open_steps()
    conv.check_live()
    earlier = yield inline(
        agent.events.agent_start, agent.name, conv.session_id, conv.user_id, dict(agent.metadata)
    )
    if earlier:
        count = yield store_op(conv.store, "count_messages", conv.session_id, user_id=conv.user_id)
        if count == 0:
            yield conv.append_op(earlier)
    agent._started = True


def turn_steps(agent: Agent, prompt: Any, options: dict[str, Any]) -> Steps[str]:
    """A whole turn; returns the reply text (after the agent's middleware)."""
    conv = agent.conversation
    conv.check_live()
    if not agent._started:
        yield from start_steps(agent)
    user = _user_message(prompt)
    run = start_run(Run(session_id=conv.session_id, metadata={"agent": agent.name}))
    agent.last_run = run
    try:
        history = (yield conv.read_op(_read_limit(agent.memory))) if agent.memory.history else []
        meta = {"agent_name": agent.name, "user_id": conv.user_id, "run_id": run.run_id}
        yield inline(agent.events.user_message, conv.session_id, prompt, meta)
        request = build_request(agent.instructions, history, user, agent.memory)
        new, usage = yield from model_steps(agent, request, run, options)
        yield conv.append_op([user, *new])
    except Exception as exc:
        error = conv.translate(exc) if isinstance(exc, SessionNotFoundError) else exc
        fail_run(run, error)
        if not isinstance(error, SessionNotFoundError):
            try:
                yield store_op(conv.store, "save_run", run, user_id=conv.user_id)
            except Exception as save_error:
                _note(error, f"the failed run could not be recorded either: {save_error!r}")
        if error is exc:
            raise
        raise error from exc
    complete_run(run, usage)
    yield store_op(conv.store, "save_run", run, user_id=conv.user_id)
    reply = new[-1].content if isinstance(new[-1].content, str) else ""
    meta["usage"] = usage.model_dump()
    yield inline(agent.events.agent_message, conv.session_id, reply, meta)
    for middleware in agent.middleware:
        reply = middleware(prompt, reply)
    return reply


def model_steps(
    agent: Agent, messages: list[dict[str, Any]], run: Run, options: dict[str, Any]
) -> Steps[tuple[list[Message], Usage]]:
    """Call the model, running tools while it asks for them; the new messages and usage."""
    llm = agent.llm
    tools = agent.toolbox.schemas()
    new: list[Message] = []
    usage = Usage()
    for _ in range(agent.max_tool_rounds + 1):
        span = Span(name="llm")
        response = yield _llm_op(llm, messages, tools, options)
        run.spans.append(
            end_span(
                span,
                model=getattr(response, "model", None),
                finish_reason=getattr(response, "finish_reason", None),
            )
        )
        usage = add_usage(usage, usage_of(getattr(response, "usage", None)))
        content = getattr(response, "content", None)
        calls = [_plain(c) for c in getattr(response, "tool_calls", None) or []]
        if not calls:
            new.append(Message(role="assistant", content=content or "", metadata=_by(agent)))
            return new, usage
        assistant = Message(
            role="assistant", content=content, tool_calls=calls, metadata=_by(agent)
        )
        new.append(assistant)
        messages.append(assistant.to_llm())
        for tool_call in calls:
            name = (tool_call.get("function") or {}).get("name")
            span = Span(name=f"tool:{name}")
            result = yield agent.toolbox.run(tool_call)
            run.spans.append(end_span(span, tool_call_id=tool_call.get("id")))
            message = Message(
                role="tool", content=result, tool_call_id=tool_call.get("id"), name=name
            )
            new.append(message)
            messages.append(message.to_llm())
    raise LLMError(
        f"the model was still calling tools after {agent.max_tool_rounds} rounds; "
        "raise Agent(max_tool_rounds=...) if that is expected"
    )


def build_request(
    instructions: str | None, history: list[Message], user: Message, memory: MemoryConfig
) -> list[dict[str, Any]]:
    """System prompt, earlier turns and the new message, bounded as ``memory`` says."""
    messages = [{"role": "system", "content": instructions}] if instructions else []
    messages.extend(m.to_llm() for m in history)
    messages.append(user.to_llm())
    if memory.max_messages is None and memory.max_tokens is None:
        return messages
    from tether.context import select_messages

    return select_messages(messages, max_messages=memory.max_messages, max_tokens=memory.max_tokens)


def _read_limit(memory: MemoryConfig) -> int | None:
    """How many stored messages to read: all, unless only ``max_messages`` bounds the request
    (then a margin, so a tool call is never cut from its results)."""
    if memory.max_messages is None or memory.max_tokens is not None:
        return None
    return 2 * memory.max_messages + 16


def _user_message(prompt: Any) -> Message:
    if not isinstance(prompt, (str, list)):
        raise InvalidMessageError(f"a prompt must be text, not {type(prompt).__name__}")
    try:
        return Message(role="user", content=prompt)
    except ValidationError as exc:
        raise InvalidMessageError(
            "a prompt must be text or a list of content parts (dicts such as "
            '{"type": "text", "text": "..."})'
        ) from exc


def _llm_op(llm: Any, messages: list[dict[str, Any]], tools: Any, options: dict[str, Any]) -> Op:
    acomplete = getattr(llm, "acomplete", None)
    return Op(
        lambda: llm.complete(list(messages), tools=tools, **options),
        (lambda: acomplete(list(messages), tools=tools, **options)) if acomplete else None,
    )


def _plain(tool_call: Any) -> dict[str, Any]:
    return tool_call.model_dump() if hasattr(tool_call, "model_dump") else dict(tool_call)


def _by(agent: Agent) -> dict[str, Any]:
    return {"agent": agent.name}


def _note(error: BaseException, text: str) -> None:
    if hasattr(error, "add_note"):
        error.add_note(text)
