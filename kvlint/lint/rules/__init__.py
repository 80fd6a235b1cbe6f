"""One module per lint rule: ``kvNNN_<name>.py`` (see CONTRIBUTING.md)."""
