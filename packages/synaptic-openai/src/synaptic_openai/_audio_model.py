"""``OpenAITranscriptionModel`` and ``OpenAISpeechModel``: the OpenAI-compatible audio
endpoints over a ``Backend`` (``/audio/transcriptions``, ``/audio/translations``,
``/audio/speech``). Providers (``synaptic_groq``) subclass them to check their own
limits (``check``) before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

from synaptic_core import (
    Backend,
    HttpRequest,
    HttpResponse,
    RateLimitInfo,
    SynapticError,
    error_from_response,
)
from synaptic_core.audio import (
    SpeechAudio,
    SpeechModel,
    SpeechRequest,
    Transcription,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._files import written
from synaptic_openai._audio_wire import multipart, parse_transcription
from synaptic_openai._client import BackendClient
from synaptic_openai._config import ChatConfig
from synaptic_openai._model import base_headers


class _AudioClient(BackendClient):
    """What both audio models add: the headers, and answers other than 2xx as errors."""

    provider = "openai"

    def __init__(self, config: ChatConfig, backend: Backend | None = None) -> None:
        super().__init__(config, backend)
        self._headers = base_headers(config)

    def _checked(self, response: HttpResponse) -> HttpResponse:
        if not 200 <= response.status_code < 300:
            raise self._explained(error_from_response(
                response.status_code,
                response.headers,
                response.content,
                provider=self.provider,
                secret=self._secret,
            ))  # fmt: skip
        return response

    def _explained(self, error: SynapticError) -> SynapticError:
        """The provider's reading of an error (Groq: a retired model's replacement)."""
        return error


class OpenAITranscriptionModel(_AudioClient, TranscriptionModel):
    """Speech to text over ``/audio/transcriptions`` and ``/audio/translations``."""

    def check(self, request: TranscriptionRequest) -> None:
        """The provider's own rules, before anything is read or sent (none here)."""

    def http_request(self, request: TranscriptionRequest) -> HttpRequest:
        """The upload (checked), its body streamed from the audio's start."""
        self.check(request)
        path = "/audio/transcriptions" if request.task == "transcribe" else "/audio/translations"
        content_type, size, body = multipart(request, self.config.model)
        headers = {**self._headers, "accept": "application/json", "content-type": content_type,
                   "content-length": str(size)}  # fmt: skip
        return HttpRequest("POST", f"{self.config.base_url}{path}", headers, None,
                           request.timeout, body=body, body_size=size)  # fmt: skip

    def _parse(self, response: HttpResponse, request: TranscriptionRequest) -> Transcription:
        checked = self._checked(response)
        return parse_transcription(self.provider, checked.status_code, checked.headers,
                                   checked.content, request)  # fmt: skip

    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        return self._parse(await self.backend.send(self.http_request(request)), request)

    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        return self._parse(self.backend.send_sync(self.http_request(request)), request)


class OpenAISpeechModel(_AudioClient, SpeechModel):
    """Text to speech over ``/audio/speech``: the answer is the audio's bytes."""

    default_voice: str | None = None

    def check(self, request: SpeechRequest) -> None:
        """The provider's own rules, before anything is sent (none here)."""

    def http_request(self, request: SpeechRequest) -> HttpRequest:
        self.check(request)
        body: dict[str, object] = {"model": self.config.model, "input": request.text,
                                   "response_format": request.response_format}  # fmt: skip
        voice = request.voice or self.default_voice
        if voice is not None:
            body["voice"] = voice
        if request.sample_rate is not None:
            body["sample_rate"] = request.sample_rate
        if request.speed is not None:
            body["speed"] = request.speed
        headers = {**self._headers, "content-type": "application/json",
                   "accept": f"audio/{request.response_format}"}  # fmt: skip
        content = json.dumps(body, ensure_ascii=False).encode()
        return HttpRequest("POST", f"{self.config.base_url}/audio/speech", headers, content,
                           request.timeout)  # fmt: skip

    def _audio(
        self, response: HttpResponse, request: SpeechRequest, path: Path | None = None
    ) -> SpeechAudio:
        checked = self._checked(response)
        kind = checked.headers.get("content-type") or f"audio/{request.response_format}"
        return SpeechAudio(
            data=checked.content,
            content_type=kind,
            path=path,
            request_id=checked.headers.get("x-request-id"),
            rate_limit=RateLimitInfo.from_headers(checked.headers),
        )

    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        if request.to is None:
            return self._audio(await self.backend.send(self.http_request(request)), request)
        async with self.backend.stream(self.http_request(request)) as response:
            if not 200 <= response.status_code < 300:
                whole = HttpResponse(response.status_code, response.headers, await response.aread())
                return self._audio(whole, request)  # raises the typed error
            with written(request.to) as out:
                async for piece in response.aiter_bytes():
                    out.write(piece)
            return self._audio(HttpResponse(response.status_code, response.headers, b""),
                               request, request.to)  # fmt: skip

    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        if request.to is None:
            return self._audio(self.backend.send_sync(self.http_request(request)), request)
        with self.backend.stream_sync(self.http_request(request)) as response:
            if not 200 <= response.status_code < 300:
                whole = HttpResponse(response.status_code, response.headers, response.read())
                return self._audio(whole, request)
            with written(request.to) as out:
                for piece in response.iter_bytes():
                    out.write(piece)
            return self._audio(HttpResponse(response.status_code, response.headers, b""),
                               request, request.to)  # fmt: skip
