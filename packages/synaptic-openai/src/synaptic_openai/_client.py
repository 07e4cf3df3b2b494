"""``BackendClient``: what every model over the OpenAI-compatible API holds, chat and
audio alike: its config, its backend (a pooled ``HttpBackend`` made for it unless one
is passed, closed only when made here), a repr without the key, and the key for
scrubbing errors."""

from __future__ import annotations

from synaptic_core import Backend, HttpBackend
from synaptic_openai._config import ChatConfig


class BackendClient:
    """The config and the backend; ``close`` / ``aclose`` release a backend made here."""

    def __init__(self, config: ChatConfig, backend: Backend | None = None) -> None:
        self.config = config
        self._owns_backend = backend is None
        if backend is None:
            backend = HttpBackend() if config.timeout is None else HttpBackend(config.timeout)
        self.backend = backend

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.config.model!r}, base_url={self.config.base_url!r})"
        )

    def close(self) -> None:
        """Close the backend if this model created it."""
        close = getattr(self.backend, "close", None)
        if self._owns_backend and close is not None:
            close()

    async def aclose(self) -> None:
        """Close the backend (this loop's async connections too) if this model created it."""
        aclose = getattr(self.backend, "aclose", None)
        if self._owns_backend and aclose is not None:
            await aclose()

    @property
    def _secret(self) -> str | None:
        key = self.config.api_key
        return None if key is None else key.get_secret_value()
