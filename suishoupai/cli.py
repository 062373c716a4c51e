"""The `suishoupai` command: every `flask …` operations command, from any directory.

`flask` finds the app through FLASK_APP relative to the working directory; this entry point builds
it with the app factory, so `suishoupai reports sweep` works wherever it is run (settings still come
from the SUISHOUPAI_* environment, the SQLite file from the package's instance folder).
"""

from flask.cli import FlaskGroup

from suishoupai import create_app


def group() -> FlaskGroup:
    """The Flask command line over the app factory."""
    return FlaskGroup(name="suishoupai", create_app=create_app,
                      help="随手拍运维命令（同 flask …，任意目录可用）")


def main() -> None:
    """The `suishoupai` console script."""
    group().main(prog_name="suishoupai")


if __name__ == "__main__":
    main()
