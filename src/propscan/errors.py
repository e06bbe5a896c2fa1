"""propscan's error classes: each carries a short code and a message fit for one line.

The CLI turns any PropscanError into `propscan: error: CODE message` and a non-zero exit;
the web app will turn it into a JSON error. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations


class PropscanError(Exception):
    code = "E000"
    exit_code = 1

    def __init__(self, message: str, *, source: str | None = None, cli_hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.cli_hint = cli_hint  # a command-line option that would help; meaningless to a web user

    def one_line(self, *, web: bool = False) -> str:
        where = f"{self.source}: " if self.source else ""
        hint = f" ({self.cli_hint})" if self.cli_hint and not web else ""
        return " ".join(f"{where}{self.message}{hint}".split())


class InputError(PropscanError):
    """The user gave something that is not a readable article (or not a valid option)."""

    code = "E100"
    exit_code = 2


class TooLargeError(InputError):
    """An input is over a size limit (bytes of a file, body or response, or characters of text)."""

    code = "E110"


class FetchError(InputError):
    """A URL could not be fetched safely."""

    code = "E200"


class ExtractionError(InputError):
    """HTML had no article text in it."""

    code = "E300"


class ModelError(PropscanError):
    """The shipped model is missing, corrupt or does not match its card."""

    code = "E400"
    exit_code = 3


class StorageError(PropscanError):
    """The history's storage refused or failed: `kind` says how (full, read_only, locked, damaged,
    failed), so the web app can answer 507 or 503 with a code of its own instead of a bug's 500."""

    code = "E500"
    exit_code = 74  # EX_IOERR

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
