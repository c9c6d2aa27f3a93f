"""Agent tools: plain Python functions described to the model as JSON schemas.

``Agent(tools=[fn, ...])`` accepts functions (sync or ``async def``). Each is described from
its signature, type hints and docstring in the OpenAI tools format. When the model asks for
a call, the arguments are parsed and the function runs; its result (or the error it raised)
goes back to the model as a ``tool`` message.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tether.agent.ops import Op, call
from tether.errors import ConfigurationError

_JSON_TYPES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    tuple: "array",
    dict: "object",
}


@dataclass(frozen=True)
class Tool:
    """A callable the model may use, with the schema it is described by."""

    name: str
    fn: Callable[..., Any]
    schema: dict[str, Any]


def make_tool(fn: Callable[..., Any]) -> Tool:
    """Describe ``fn`` for the model."""
    if not callable(fn):
        raise ConfigurationError(f"a tool must be a function, not {type(fn).__name__}")
    name = getattr(fn, "__name__", None)
    if not name or name == "<lambda>":
        raise ConfigurationError("a tool needs a name: use a def function, not a lambda")
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        hints = {}
    properties: dict[str, Any] = {}
    required = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        properties[param.name] = {"type": _json_type(hints.get(param.name))}
        if param.default is param.empty:
            required.append(param.name)
    doc = inspect.getdoc(fn) or ""
    function = {
        "name": name,
        "description": doc.split("\n\n", 1)[0].strip() or name,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }
    return Tool(name, fn, {"type": "function", "function": function})


def _json_type(hint: Any) -> str:
    origin = typing.get_origin(hint) or hint
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _json_type(args[0]) if len(args) == 1 else "string"
    return _JSON_TYPES.get(origin, "string")


class Toolbox:
    """The tools of one agent, by name."""

    def __init__(self, tools: Iterable[Callable[..., Any]] | None) -> None:
        self.tools: dict[str, Tool] = {}
        for fn in tools or ():
            tool = make_tool(fn)
            if tool.name in self.tools:
                raise ConfigurationError(f"two tools are named {tool.name!r}")
            self.tools[tool.name] = tool

    def __bool__(self) -> bool:
        return bool(self.tools)

    def schemas(self) -> list[dict[str, Any]] | None:
        """The tool list sent to the model (None when there are no tools)."""
        return [t.schema for t in self.tools.values()] or None

    def run(self, tool_call: dict[str, Any]) -> Op:
        """An op running one call the model asked for; it yields the result text."""
        function = tool_call.get("function") or {}
        name = function.get("name")
        tool = self.tools.get(name)
        if tool is None:
            return _constant(f"error: there is no tool named {name!r}")
        try:
            args = _arguments(function.get("arguments"))
        except ValueError as exc:
            return _constant(f"error: the arguments for {name!r} are not valid JSON: {exc}")
        op = call(tool.fn, **args)

        def guarded_sync() -> str:
            try:
                return result_text(op.sync())
            except Exception as exc:
                return f"error: {type(exc).__name__}: {exc}"

        async def guarded_async() -> str:
            try:
                if op.async_ is not None:
                    return result_text(await op.async_())
                import asyncio

                return result_text(await asyncio.to_thread(op.sync))
            except Exception as exc:
                return f"error: {type(exc).__name__}: {exc}"

        return Op(guarded_sync, guarded_async)


def _constant(text: str) -> Op:
    return Op(lambda: text, blocking=False)


def _arguments(raw: Any) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def result_text(value: Any) -> str:
    """A tool's return value as the text sent back to the model."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
