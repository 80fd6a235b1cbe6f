"""Re-exports the accessors, as many packages do."""

from .vault import *  # noqa: F403
from .vault import read_cached as cached_read
