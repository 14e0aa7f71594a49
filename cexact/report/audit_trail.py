"""Who produced a report, when, where, from what: the audit trail of every report."""

from __future__ import annotations

import datetime
import getpass
import platform
from collections.abc import Sequence
from dataclasses import dataclass

from cexact import __version__


@dataclass(frozen=True, slots=True)
class AuditTrail:
    tool_version: str
    generated_at: str
    user: str
    host: str
    command_line: tuple[str, ...] = ()
    """The command line as typed, `cexact` first (empty: not known)."""

    @classmethod
    def now(cls, command_line: Sequence[str] = ()) -> AuditTrail:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        return cls(
            tool_version=__version__,
            generated_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            user=user,
            host=platform.node() or "unknown",
            command_line=tuple(command_line),
        )
