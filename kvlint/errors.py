"""Errors that end a command with exit code 2 and one clear line on stderr."""


class KvlintError(Exception):
    """Bad usage, configuration or input. The message is shown to the user as is, on one line;
    ``detail`` (optional) is shown under it as it is written: the offending line of a
    configuration file with a caret, as ruff shows it."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
