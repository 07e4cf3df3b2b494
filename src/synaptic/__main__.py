"""``python -m synaptic`` runs the ``synaptic`` command."""

from synaptic._cli import main

main()
