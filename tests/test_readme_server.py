"""What README says about ``kvlint server`` holds (issue 23, item 18): ``--help`` prints the
options and exits 0 even without pygls; only ``kvlint server`` itself needs it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

WITHOUT_PYGLS = (
    "import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
    "from kvlint.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PYGLS, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_server_help_works_without_pygls_and_the_readme_says_so() -> None:
    helped = _run("server", "--help")
    assert helped.returncode == 0 and "--log-file" in helped.stdout and helped.stderr == ""
    served = _run("server")
    assert served.returncode == 2 and "needs pygls" in served.stderr
    readme = (ROOT / "README.md").read_text()
    assert "kvlint server --help                            # its options (works without pygls" in (
        readme
    )
    assert (
        "kvlint server                                   # without pygls: one error line, exit 2"
        in (readme)
    )
    assert (
        "kvlint server --help                            # without pygls: one error" not in readme
    )


def test_the_neovim_snippet_names_the_version_it_needs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**Neovim**") :]
    assert section.startswith("**Neovim** 0.11 or newer")
    assert "Debian 12" in section[:400] and "0.7" in section[:400]
