"""An offline Groq: a real HTTP server on loopback that speaks Groq's API.

``with GroqEmulator() as groq: ...`` starts it on a free port; point a client at
``groq.base_url`` (synaptic) or ``groq.host_url`` (the official SDK) with any API key.
Deterministic answers, streaming, tool calls, ``x_groq`` fields, rate-limit headers and
429s from Groq's limits, the Batch API (files and batches), and scripted faults
(``Fault``, ``Scenario``). From the
shell: ``synaptic emulator --port 8321``. For pytest: ``synaptic_groq.testing``.
"""

from synaptic_groq.emulator._emulator import GroqEmulator
from synaptic_groq.emulator._faults import KINDS, Fault, Scenario
from synaptic_groq.emulator._limits import RateBudget, go_duration

__all__ = ["KINDS", "Fault", "GroqEmulator", "RateBudget", "Scenario", "go_duration"]
