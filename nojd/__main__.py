"""``python -m nojd`` runs the ``nojd`` command."""

from nojd.cli import main

raise SystemExit(main())
