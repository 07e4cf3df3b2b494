"""``GroqTranscriptionModel`` (Whisper) and ``GroqSpeechModel`` (Orpheus): Groq's audio
endpoints, with Groq's rules checked before anything is read or sent (groq-api.md
section 10): the model's kind (a chat model is not an audio model, and
``whisper-large-v3-turbo`` does not translate), the 25 MB attachment limit (larger
audio goes by ``url=``), the 896-character prompt, and the voices of each speech model.
"""

from __future__ import annotations

from synaptic_core import Backend, ConfigError, InputError, RequestTooLargeError, SynapticError
from synaptic_core.audio import SpeechRequest, TranscriptionRequest
from synaptic_groq._catalog import model_info
from synaptic_groq._config import GroqConfig
from synaptic_groq._model import model_gone
from synaptic_openai._audio_model import OpenAISpeechModel, OpenAITranscriptionModel

MAX_ATTACHMENT = 25 * 1024 * 1024  # Groq: "attachments up to 25 MB"
MAX_PROMPT = 896
TRANSLATES = frozenset({"whisper-large-v3"})
VOICES: dict[str, tuple[str, ...]] = {
    "canopylabs/orpheus-v1-english": ("autumn", "diana", "hannah", "austin", "daniel", "troy"),
    "canopylabs/orpheus-arabic-saudi": ("fahad", "sultan", "lulwa", "noura"),
}
_FIT = {"transcription": "whisper-large-v3-turbo", "speech": "canopylabs/orpheus-v1-english",
        "chat": "openai/gpt-oss-20b"}  # fmt: skip
_WHAT = {"transcription": "speech-to-text", "speech": "text-to-speech", "chat": "chat"}
TYPES = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm")


def _require_kind(model: str, kind: str) -> None:
    """A model of another kind is refused by name, with one that fits."""
    info = model_info(model)
    if info is None or info.kind == kind:
        return
    msg = (
        f"{model!r} is a {_WHAT.get(info.kind, info.kind)} model, not a "
        f"{_WHAT[kind]} model; use {_FIT[kind]!r} (`synaptic models` lists each model's kind)"
    )
    raise ConfigError(msg)


class GroqTranscriptionModel(OpenAITranscriptionModel):
    """``GroqTranscriptionModel(GroqConfig(model="whisper-large-v3-turbo"))``:
    ``transcribe`` / ``transcribe_sync``, and ``translate`` (``whisper-large-v3``)."""

    provider = "groq"

    def __init__(self, config: GroqConfig, backend: Backend | None = None) -> None:
        _require_kind(config.model, "transcription")
        super().__init__(config, backend)

    def _explained(self, error: SynapticError) -> SynapticError:
        return model_gone(error, self.config.model)

    def check(self, request: TranscriptionRequest) -> None:
        model = self.config.model
        if (
            request.task == "translate"
            and model_info(model) is not None
            and model not in TRANSLATES
        ):
            msg = f"{model!r} transcribes only; to translate to English use 'whisper-large-v3'"
            raise ConfigError(msg)
        if request.prompt is not None and len(request.prompt) > MAX_PROMPT:
            msg = (
                f"the prompt is {len(request.prompt)} characters; Groq takes at most "
                f"{MAX_PROMPT} (it answers 400)"
            )
            raise InputError(msg)
        audio = request.audio
        if audio is not None and audio.size > MAX_ATTACHMENT:
            msg = (
                f"the audio {audio.filename} is {audio.size:,} bytes; Groq takes "
                f"attachments up to 25 MB ({MAX_ATTACHMENT:,} bytes): pass url= (a link Groq "
                "fetches itself: larger files, up to 100 MB on the dev tier) or split the "
                "audio; nothing was sent"
            )
            raise RequestTooLargeError(msg, provider="groq", status_code=413)
        extension = None if audio is None else audio.filename.rpartition(".")[2].lower()
        if audio is not None and extension not in TYPES:
            msg = (
                f"{audio.filename} is not audio Groq takes: name a file of one of its types "
                f"({', '.join(TYPES)}); its content was not recognised either; nothing was sent"
            )
            raise InputError(msg)


class GroqSpeechModel(OpenAISpeechModel):
    """``GroqSpeechModel(GroqConfig(model="canopylabs/orpheus-v1-english"))``:
    ``speak(text, voice=...)``; the model's first documented voice by default."""

    provider = "groq"
    max_input = 200  # Orpheus: "about 200 characters" a request (groq-api.md section 10)

    def __init__(self, config: GroqConfig, backend: Backend | None = None) -> None:
        _require_kind(config.model, "speech")
        super().__init__(config, backend)
        voices = VOICES.get(config.model)
        self.default_voice = voices[0] if voices else None

    def _explained(self, error: SynapticError) -> SynapticError:
        return model_gone(error, self.config.model)

    def check(self, request: SpeechRequest) -> None:
        if len(request.text) > self.max_input:
            msg = (
                f"the text is {len(request.text)} characters; Orpheus takes about "
                f"{self.max_input} a request: cut it with "
                "synaptic_core.audio.speech_pieces(text) (at sentence ends) and join the "
                "WAVs with join_wav, or use `synaptic speak`, which does both"
            )
            raise InputError(msg)
        voices = VOICES.get(self.config.model)
        if voices is not None and request.voice is not None and request.voice not in voices:
            msg = (
                f"voice {request.voice!r} is not a voice of {self.config.model}; "
                f"its voices: {', '.join(voices)}"
            )
            raise InputError(msg)
