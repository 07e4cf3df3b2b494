"""synaptic's loggers: all under ``synaptic.*``, silent until the application says.

A library must not print log records when the application configured no logging (the
logging HOWTO, "Configuring Logging for a Library"): the ``synaptic`` logger gets a
``NullHandler`` the first time any synaptic module asks for a logger. ``logging`` is
imported only by the modules that log (retries, fallbacks, the emulator), not at
``import synaptic_core``.
"""

from __future__ import annotations

import logging

from synaptic_core._secrets import add_log_filter


def get_logger(name: str) -> logging.Logger:
    """The logger ``synaptic.<name>``, with the library's ``NullHandler`` in place."""
    root = logging.getLogger("synaptic")
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())
    logger = logging.getLogger(f"synaptic.{name}")
    add_log_filter(logger)  # no record of ours carries a key, whatever a server echoed
    return logger
