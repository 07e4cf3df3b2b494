"""Token estimates without a tokenizer (no download at run time), learning from usage.

Before a request, pacing must guess its tokens. The guess is ``characters / 4`` of the
message text plus 4 per message (the usual rule of thumb for English with BPE
tokenizers), corrected by what the provider's ``usage`` reports: the characters-per-token
ratio and the typical answer length are running averages of real answers. On the Groq
emulator (whose own counts use the same rule) the input estimate is exact; on real
traffic the first guesses are typically within about 25% and improve as answers arrive,
and reconciliation makes the budget exact after each answer either way.
"""

from __future__ import annotations

import threading

from synaptic_core._request import ChatRequest

_WEIGHT = 0.2  # how fast the averages follow new answers


class TokenEstimator:
    """``estimate(request)`` before; ``learn(request, input_tokens, output_tokens)`` after."""

    def __init__(self, chars_per_token: float = 4.0, typical_output: int = 256) -> None:
        self.chars_per_token = chars_per_token
        self.typical_output = float(typical_output)
        self._lock = threading.Lock()

    @staticmethod
    def characters(request: ChatRequest) -> int:
        return sum(len(message.content) for message in request.messages)

    def input_tokens(self, request: ChatRequest) -> int:
        """The prompt's tokens, estimated."""
        chars = self.characters(request)
        return max(1, int(chars / self.chars_per_token) + 4 * len(request.messages))

    def estimate(self, request: ChatRequest, max_tokens: int | None = None) -> int:
        """Input estimate plus ``max_tokens`` (or the typical answer when unset)."""
        output = max_tokens if max_tokens is not None else round(self.typical_output)
        return self.input_tokens(request) + output

    def learn(self, request: ChatRequest, input_tokens: int, output_tokens: int) -> None:
        """Fold one real answer into the averages."""
        with self._lock:
            text_tokens = input_tokens - 4 * len(request.messages)
            chars = self.characters(request)
            if text_tokens > 0 and chars > 0:
                ratio = chars / text_tokens
                self.chars_per_token += _WEIGHT * (ratio - self.chars_per_token)
            if output_tokens > 0:
                self.typical_output += _WEIGHT * (output_tokens - self.typical_output)
