"""``python -m joinedup.cli``, as the ``joinedup`` command."""

from joinedup.cli import app

app()
