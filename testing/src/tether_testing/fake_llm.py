"""A real local HTTP server speaking enough of the OpenAI Chat Completions API for tests.

``POST .../chat/completions`` (plain JSON or ``stream: true`` server-sent events, usage in
a final chunk when ``stream_options.include_usage`` is set) and ``GET .../models``. Any path
ending in ``/chat/completions`` is accepted, so Azure-style deployment URLs work too.

Every request is recorded (:attr:`FakeLLMServer.requests`) for assertions. Answers come
from a script (:meth:`~FakeLLMServer.reply`, :meth:`~FakeLLMServer.reply_tool_calls`,
:meth:`~FakeLLMServer.fail`), else a default reply that quotes the last user message::

    with FakeLLMServer() as server:
        server.reply("hello")
        llm = get_llm("gpt-4o-mini", base_url=server.base_url, api_key=server.api_key)

The ``fake_llm`` pytest fixture starts one and points ``OPENAI_BASE_URL`` and
``OPENAI_API_KEY`` at it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DEFAULT_API_KEY = "sk-fake-test-key"


@dataclass
class RecordedRequest:
    """One request the server received. ``headers`` names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    """The parsed JSON body (None for requests without one)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent, or [] when this was not a chat request."""
        return self.body.get("messages", []) if isinstance(self.body, dict) else []


@dataclass
class Reply:
    """One scripted answer. A ``status`` other than 200 answers with an OpenAI error body."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    status: int = 200
    error: str | None = None
    retry: bool = False
    """For errors: whether the ``x-should-retry`` header lets the client retry."""
    delay: float = 0.0
    """Seconds to wait before answering (for timeout tests)."""
    usage: dict[str, int] | None = None
    finish_reason: str | None = None


@dataclass
class _Script:
    replies: deque[Reply] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Reply | None:
        with self.lock:
            return self.replies.popleft() if self.replies else None


class FakeLLMServer:
    """A local OpenAI-compatible server on a free port (``127.0.0.1``).

    ``api_key``: when set, requests without ``Authorization: Bearer <key>`` (or Azure's
    ``api-key`` header) get 401. ``chunk_size``: characters per streamed text delta.
    """

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_API_KEY,
        models: tuple[str, ...] = ("gpt-4o-mini", "fake-model"),
        chunk_size: int = 4,
    ) -> None:
        self.api_key = api_key
        self.models = models
        self.chunk_size = max(1, chunk_size)
        self.requests: list[RecordedRequest] = []
        self._script = _Script()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        """Start serving in a background thread; returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (delayed answers are abandoned)."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake LLM server is not running; call start()")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (the root, for Azure-style endpoints)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:<port>/v1``."""
        return f"{self.url}/v1"

    # --- scripting -------------------------------------------------------------------

    def queue(self, reply: Reply) -> None:
        """Answer the next chat request with ``reply`` (replies are used in order)."""
        with self._script.lock:
            self._script.replies.append(reply)

    def reply(self, content: str, **fields: Any) -> None:
        """Answer the next chat request with the text ``content``."""
        self.queue(Reply(content=content, **fields))

    def reply_tool_calls(self, calls: list[dict[str, Any]], content: str | None = None) -> None:
        """Answer the next chat request with tool calls.

        Each call is ``{"name": ..., "arguments": dict or JSON text, "id": optional}`` or a
        full OpenAI tool call dict (``{"id", "type", "function": {...}}``).
        """
        self.queue(Reply(content=content, tool_calls=[self._tool_call(c) for c in calls]))

    def fail(self, status: int = 500, message: str = "fake server error", **fields: Any) -> None:
        """Answer the next chat request with HTTP ``status`` and an OpenAI error body."""
        self.queue(Reply(status=status, error=message, **fields))

    def reset(self) -> None:
        """Forget recorded requests and unused scripted replies."""
        with self._lock:
            self.requests.clear()
        with self._script.lock:
            self._script.replies.clear()

    def _tool_call(self, call: dict[str, Any]) -> dict[str, Any]:
        if "function" in call:
            return {"id": call.get("id") or self._new_id("call"), "type": "function", **call}
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        return {
            "id": call.get("id") or self._new_id("call"),
            "type": "function",
            "function": {"name": call["name"], "arguments": arguments},
        }

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids)}"

    # --- recorded requests -----------------------------------------------------------

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded chat completion requests, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent chat completion request."""
        chats = self.chat_requests
        if not chats:
            raise AssertionError("the fake LLM server has received no chat request")
        return chats[-1]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # --- answers ---------------------------------------------------------------------

    @staticmethod
    def default_reply(messages: list[dict[str, Any]]) -> str:
        """What the server says when nothing is scripted: it quotes the last user message."""
        last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
        content = last.get("content") if last else None
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        return f"fake reply to: {content}" if content is not None else "fake reply"

    def _answer(self, body: dict[str, Any]) -> Reply:
        reply = self._script.next() or Reply()
        if reply.status == 200 and reply.content is None and not reply.tool_calls:
            reply = Reply(
                content=self.default_reply(body["messages"]),
                delay=reply.delay,
                usage=reply.usage,
                finish_reason=reply.finish_reason,
            )
        if reply.delay:
            self._stopping.wait(reply.delay)
        return reply

    def _usage(self, body: dict[str, Any], reply: Reply) -> dict[str, int]:
        if reply.usage is not None:
            return reply.usage
        from tether.llm.tokens import count_tokens

        prompt = count_tokens(body["messages"])
        answer = {"role": "assistant", "content": reply.content, "tool_calls": reply.tool_calls}
        completion = count_tokens([answer])
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        """The non-streaming response body for ``reply``."""
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        return {
            "id": self._new_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": _finish_reason(reply),
                    "logprobs": None,
                }
            ],
            "usage": self._usage(body, reply),
        }

    def chunks(self, body: dict[str, Any], reply: Reply) -> Iterator[dict[str, Any]]:
        """The streamed chunks for ``reply``: role, text deltas, tool call deltas, finish,
        then usage if the request asked for it."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": self._new_id("chatcmpl"),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
        }
        if include_usage:
            base["usage"] = None

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        yield chunk({"role": "assistant", "content": ""})
        for piece in _pieces(reply.content or "", self.chunk_size):
            yield chunk({"content": piece})
        for position, call in enumerate(reply.tool_calls or []):
            function = call["function"]
            head = {"name": function["name"], "arguments": ""}
            yield chunk(
                {
                    "tool_calls": [
                        {"index": position, "id": call["id"], "type": "function", "function": head}
                    ]
                }
            )
            for piece in _pieces(function["arguments"], self.chunk_size):
                yield chunk({"tool_calls": [{"index": position, "function": {"arguments": piece}}]})
        yield chunk({}, _finish_reason(reply))
        if include_usage:
            yield {**base, "choices": [], "usage": self._usage(body, reply)}


def _finish_reason(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        server_version = "FakeLLM/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _read_body(self) -> Any:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _record(self, body: Any) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server._record(RecordedRequest(self.command, self.path, headers, body))

        def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if server.api_key is None:
                return True
            bearer = self.headers.get("authorization", "")
            return bearer == f"Bearer {server.api_key}" or (
                self.headers.get("api-key") == server.api_key
            )

        def _refuse(self, status: int, message: str, kind: str, code: str | None = None):
            self._send_json(status, _error_body(message, kind, code), {"x-should-retry": "false"})

        def do_GET(self) -> None:
            self._record(None)
            if not self._authorized():
                return self._refuse(
                    401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"
                )
            if self.path.split("?")[0].endswith("/models"):
                data = [
                    {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                    for m in server.models
                ]
                return self._send_json(200, {"object": "list", "data": data})
            return self._refuse(404, f"no route {self.path}", "invalid_request_error")

        def do_POST(self) -> None:
            body = self._read_body()
            self._record(body)
            if not self._authorized():
                return self._refuse(
                    401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"
                )
            if not self.path.split("?")[0].endswith("/chat/completions"):
                return self._refuse(404, f"no route {self.path}", "invalid_request_error")
            problem = _check_chat_body(body)
            if problem:
                return self._refuse(400, problem, "invalid_request_error")
            reply = server._answer(body)
            if reply.status != 200:
                retry = {"x-should-retry": "true" if reply.retry else "false"}
                kind = "server_error" if reply.status >= 500 else "invalid_request_error"
                return self._send_json(
                    reply.status, _error_body(reply.error or "error", kind), retry
                )
            if body.get("stream"):
                return self._stream(body, reply)
            return self._send_json(200, server.completion(body, reply))

        def _stream(self, body: dict[str, Any], reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")  # the end of the stream is the end of data
            self.end_headers()
            self.close_connection = True
            for chunk in server.chunks(body, reply):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def handle(self) -> None:
            # A client that gave up (a timeout test) has nobody left to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

    return Handler


def _check_chat_body(body: Any) -> str | None:
    """What is wrong with a chat request body, as the real API would say, or None."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for position, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "user",
            "assistant",
            "tool",
            "developer",
        ):
            return f"messages[{position}] has no valid role"
    if "tools" in body and (not isinstance(body["tools"], list) or not body["tools"]):
        return "'tools' must be a non-empty array when given"
    return None


@pytest.fixture
def fake_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLMServer]:
    """A running :class:`FakeLLMServer`; ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at
    it and ``TETHER_LLM`` / ``TETHER_MODEL`` are unset, so ``get_llm()`` reaches it."""
    with FakeLLMServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key or "")
        for name in ("TETHER_LLM", "TETHER_MODEL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
            monkeypatch.delenv(name, raising=False)
        yield server
