"""Records defined in one module and filled in another: their constructor takes the fields in
order and their ``repr`` shows them (a ``field(repr=False)`` is not shown)."""

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass
class Login:
    user: str
    password: str


@dataclass
class QuietLogin:
    user: str
    password: str = field(repr=False)


class Entry(NamedTuple):
    name: str
    value: str
