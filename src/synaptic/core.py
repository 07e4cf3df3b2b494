"""The provider-neutral API (the reference's ``synaptic::core``): every public name of
``synaptic_core``, re-exported."""

from synaptic_core import *  # noqa: F403 (a facade re-exports everything)
from synaptic_core import __all__ as __all__  # noqa: PLC0414 (explicit re-export)
