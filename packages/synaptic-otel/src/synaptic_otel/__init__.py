"""synaptic-otel: every synaptic chat request as an OpenTelemetry GenAI span, with metrics.

``SynapticInstrumentor().instrument(tracer_provider=..., meter_provider=...)`` (or
``opentelemetry-instrument python app.py``: the ``opentelemetry_instrumentor`` entry
point finds it). Spans ``chat {model}`` with the GenAI semantic conventions'
attributes, retries, rate-limit waits and fallbacks as span events, Groq's extras under
``groq.*``; metrics ``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage``
and ``gen_ai.client.operation.time_to_first_chunk``. Message contents only with
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` (or ``capture_content=True``).
"""

from synaptic_otel._instrumentor import CAPTURE_CONTENT_ENV, SynapticInstrumentor

__version__ = "0.1.0"

__all__ = ["CAPTURE_CONTENT_ENV", "SynapticInstrumentor", "__version__"]
