"""``python -m synaptic`` runs the ``synaptic`` command."""

from synaptic.cli import main

main()
