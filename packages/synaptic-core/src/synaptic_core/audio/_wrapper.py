"""What the audio wrappers (retries, pacing) share: the model they wrap, closing it,
``with``, and a repr that names both."""

from __future__ import annotations

from typing import Any


class AudioWrapper:
    """A wrapper around an audio model (``self.model``)."""

    model: Any

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r})"

    @property
    def max_input(self) -> int | None:
        """The wrapped speech model's (``SpeechModel.max_input``)."""
        found: int | None = getattr(self.model, "max_input", None)
        return found

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()
