"""``python -m mapping.cli``: the same as the ``calmap`` command."""

from mapping.cli.main import main

main()
