"""tether session start | resume: interactive chats through a real terminal (a pty), and
persistence proven by two processes: the second one's first LLM request carries the turns
the first one had."""

from __future__ import annotations

from tests.cli.helpers import cli_env, tether_command
from tests.cli.pty_session import PtySession
from tether_testing.fake_llm import fake_llm  # noqa: F401  (pytest fixture)

PROMPT = "you> "


def chat(*args: str, env: dict[str, str]) -> PtySession:
    return PtySession([*tether_command(), "session", "start", *args], env)


def say(session: PtySession, line: str) -> str:
    """Type a line; return what the chat printed before its next prompt."""
    session.send(line)
    return session.expect(PROMPT)


def test_echo_chat_persists_across_processes(isolated_home):
    env = cli_env()
    first = chat("demo", env=env)
    first.expect("Started session demo.")
    first.expect(PROMPT)
    greeting = say(first, "My name is Ada.")
    assert "[echo model: debugging only] I received 0 earlier messages." in greeting
    assert "/exit" in say(first, "/help")
    reply = say(first, "What is my name?")
    assert 'I received 2 earlier messages. Your last message was: "What is my name?"' in reply
    first.send("/exit")
    assert first.close() == 0
    assert "No LLM configured" in first.output  # the one-line notice

    second = chat("demo", env=env)
    second.expect("Resumed session demo: 4 earlier messages restored.")
    second.expect(PROMPT)
    assert "I received 4 earlier messages." in say(second, "Still there?")
    assert second.close(eof=True) == 0  # Ctrl-D ends the chat too

    from tether import open_store

    with open_store() as store:
        contents = [(m.role, m.content) for m in store.get_messages("demo")]
    assert [c for role, c in contents if role == "user"] == [
        "My name is Ada.",
        "What is my name?",
        "Still there?",
    ]
    assert [role for role, _ in contents] == ["user", "assistant"] * 3


def test_second_process_sends_earlier_turns_to_the_model(isolated_home, fake_llm):  # noqa: F811
    env = cli_env(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY=fake_llm.api_key)
    fake_llm.reply("Nice to meet you, Ada.")
    fake_llm.reply("You are Ada.")
    first = chat("demo", "--system", "Be brief.", env=env)
    first.expect(PROMPT)
    assert "Nice to meet you, Ada." in say(first, "My name is Ada.")
    assert "You are Ada." in say(first, "What is my name?")
    first.send("/exit")
    assert first.close() == 0
    assert "No LLM configured" not in first.output

    before = len(fake_llm.chat_requests)
    fake_llm.reply("Welcome back.")
    second = chat("demo", "--system", "Be brief.", "--llm", "gpt-4o", env=env)
    second.expect("Resumed session demo: 4 earlier messages restored.")
    second.expect(PROMPT)
    assert "Welcome back." in say(second, "Remember me?")
    second.send("/exit")
    assert second.close() == 0

    request = fake_llm.chat_requests[before]
    assert request.body["model"] == "gpt-4o"
    assert [(m["role"], m["content"]) for m in request.messages] == [
        ("system", "Be brief."),
        ("user", "My name is Ada."),
        ("assistant", "Nice to meet you, Ada."),
        ("user", "What is my name?"),
        ("assistant", "You are Ada."),
        ("user", "Remember me?"),
    ]


def test_model_error_keeps_the_chat_going(isolated_home, fake_llm):  # noqa: F811
    env = cli_env(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY=fake_llm.api_key)
    fake_llm.fail(500, "the model is down")
    fake_llm.reply("Back up.")
    session = chat("flaky", env=env)
    session.expect(PROMPT)
    failed = say(session, "hello?")
    assert "error: " in failed and "the model is down" in failed
    assert "Traceback" not in failed
    assert "Back up." in say(session, "hello again")
    session.send("/exit")
    assert session.close() == 0


def test_piped_chat_and_resume(tether):
    started = tether("session", "start", "piped", input="hello\n/exit\n")
    assert started.code == 0, started
    assert "Started session piped." in started.out
    assert 'Your last message was: "hello"' in started.out
    resumed = tether("session", "resume", "piped", input="")
    assert resumed.code == 0, resumed
    assert "Resumed session piped: 2 earlier messages restored." in resumed.out
    other_user = tether("session", "start", "piped", "--user", "bob", input="")
    assert "Started session piped." in other_user.out


def test_resume_of_a_missing_session_fails(tether):
    result = tether("session", "resume", "nope", input="hello\n")
    assert result.code == 1
    assert result.err.startswith("error: no session 'nope' for user 'default_user'")
    assert "tether session start nope" in result.err
    assert tether("session", "list").out.startswith("No sessions")


def test_unknown_model_is_an_error(tether):
    result = tether("session", "start", "x", "--llm", "nosuchprovider/model", input="hi\n")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
