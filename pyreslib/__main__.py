"""``python -m pyreslib`` runs the command line (:func:`pyreslib.cli.main.main`)."""

from pyreslib.cli import main

raise SystemExit(main())
