"""Errors that end a command with exit code 2 and one clear line on stderr."""


class KvlintError(Exception):
    """Bad usage, configuration or input. The message is shown to the user as is."""


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
