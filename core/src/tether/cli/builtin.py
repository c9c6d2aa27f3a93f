"""tether's own commands, registered through ``register_commands`` like any plugin's."""

from __future__ import annotations

from tether.hookspecs import hookimpl


@hookimpl
def register_commands(register):
    from tether.cli import chat, plugins_cmd, session_cmds, transfer
    from tether.cli.groups import db, session

    register(plugins_cmd.plugins)
    register(session)
    register(db)
    for command in (
        session_cmds.list_sessions,
        chat.start,
        chat.resume,
        session_cmds.show,
        session_cmds.delete,
        session_cmds.fork,
        session_cmds.snapshot,
        session_cmds.revert,
        transfer.export,
        transfer.import_,
        transfer.migrate,
        session_cmds.prune,
    ):
        register(command, parent="session")
