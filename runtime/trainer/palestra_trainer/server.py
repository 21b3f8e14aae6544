"""The HTTP face of the trainer: OpenAI/vLLM-compatible chat completions, /train, runtime LoRA.

Responses follow vLLM's OpenAI-compatible server field for field (`prompt_token_ids`, per-choice
`token_ids`, `logprobs.content[]`), so the same `openai` agent runs against this server or vLLM, and
vLLM can take over inference at scale. Errors use OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .chat import ParsedCompletion, parse_completion, render_prompt, render_sft
from .sampling import Sample, SampleRequest
from .service import PolicyService, UnknownModelError

#: Used when a request gives neither max_tokens nor max_completion_tokens (vLLM would use the whole
#: context; a small model being trained rarely needs more, and a runaway sample costs a whole batch).
DEFAULT_MAX_TOKENS = 512


class ChatCompletionRequest(BaseModel):
    """The fields of OpenAI's request that this server honours (others are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[dict[str, Any]] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    temperature: float = Field(default=1.0, ge=0.0, le=10.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=64)
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream: bool = False
    #: Stop strings are not implemented (a turn ends at the model's end-of-turn token): refused if set,
    #: rather than silently ignored.
    stop: str | list[str] | None = None
    #: `auto` (default) or `none` (no tool-call parsing); forcing a tool is not implemented.
    tool_choice: str | dict[str, Any] | None = None
    # vLLM's extensions
    return_token_ids: bool = False
    return_tokens_as_token_ids: bool = False


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    algo: str
    config: dict[str, Any] = Field(default_factory=dict)
    rows: list[Any] | None = None
    conversations: list[dict[str, Any]] | None = None


class LoadLoraRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    lora_name: str = Field(min_length=1)
    lora_path: str = Field(min_length=1)


class UnloadLoraRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    lora_name: str = Field(min_length=1)


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "BadRequestError", param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param = status, message, kind, param


def _error(status: int, message: str, kind: str, param: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": status}},
        status_code=status,
    )


async def _parse(request: Request, model: type[BaseModel]) -> Any:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ApiError(400, f"the request body is not JSON: {err}") from err
    try:
        return model.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise ApiError(400, f"{path}: {first['msg']}", param=path or None) from err


def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet, inverted: token characters back to the bytes they stand for."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = list(printable), 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


_BYTES = _byte_decoder()


def _token_entry(tokenizer: Any, token_id: int, logprob: float, as_ids: bool) -> dict[str, Any]:
    """One `logprobs.content[]` entry. `bytes` are the token's own bytes, even when it holds only part
    of a UTF-8 character (its text then shows a replacement character, as in vLLM)."""
    text = tokenizer.decode([token_id])
    piece = tokenizer.convert_ids_to_tokens(token_id)
    raw = bytes(_BYTES[c] for c in piece) if isinstance(piece, str) and all(c in _BYTES for c in piece) else None
    return {
        "token": f"token_id:{token_id}" if as_ids else text,
        "logprob": logprob,
        "bytes": list(raw if raw is not None else text.encode("utf-8")),
    }


def _choice(service: PolicyService, index: int, s: Sample, req: ChatCompletionRequest) -> dict[str, Any]:
    tok = service.policy.tokenizer
    text = tok.decode(s.token_ids, skip_special_tokens=True)
    parsed = ParsedCompletion(content=text) if req.tool_choice == "none" else parse_completion(text)
    finish = "tool_calls" if parsed.tool_calls and s.finish_reason == "stop" else s.finish_reason
    logprobs = None
    if req.logprobs:
        as_ids = req.return_tokens_as_token_ids
        content = []
        for i, (tid, lp) in enumerate(zip(s.token_ids, s.logprobs, strict=True)):
            entry = _token_entry(tok, tid, lp, as_ids)
            entry["top_logprobs"] = [_token_entry(tok, t, v, as_ids) for t, v in (s.top[i] if s.top else [])]
            content.append(entry)
        logprobs = {"content": content}
    return {
        "index": index,
        "message": {"role": "assistant", "content": parsed.content, "tool_calls": parsed.tool_calls},
        "logprobs": logprobs,
        "finish_reason": finish,
        "stop_reason": None,
        "token_ids": list(s.token_ids) if req.return_token_ids else None,
    }


def build_app(service: PolicyService) -> FastAPI:
    """The FastAPI app over one `PolicyService`."""
    app = FastAPI(title="palestra-trainer", docs_url=None, redoc_url=None)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, err: ApiError) -> JSONResponse:
        return _error(err.status, err.message, err.kind, err.param)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return service.health()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        created = int(time.time())
        root = str(service.policy.model_dir)
        data = [
            {
                "id": mid,
                "object": "model",
                "created": created,
                "owned_by": "palestra",
                "root": root,
                "parent": None if mid in (service.policy_id, service.name) else service.policy_id,
                "max_model_len": service.max_positions,
            }
            for mid in service.model_ids()
        ]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        req = await _parse(request, ChatCompletionRequest)
        if req.stream:
            raise ApiError(400, "stream: true is not supported by palestra-trainer; send stream: false", param="stream")
        if req.stop:
            raise ApiError(400, "stop: stop strings are not supported by palestra-trainer; leave it out", param="stop")
        if req.tool_choice not in (None, "auto", "none"):
            raise ApiError(400, "tool_choice: only 'auto' and 'none' are supported", param="tool_choice")
        try:
            adapter = service.resolve(req.model)
        except UnknownModelError as err:
            return _error(404, str(err), "NotFoundError", "model")
        try:
            prompt_ids = render_prompt(service.policy.tokenizer, req.messages, req.tools)
        except Exception as err:  # noqa: BLE001 - a template error is the caller's message shape
            raise ApiError(400, f"messages: the chat template could not render them: {err}", param="messages") from err
        max_tokens = req.max_completion_tokens or req.max_tokens or DEFAULT_MAX_TOKENS
        if service.max_positions is not None and len(prompt_ids) >= service.max_positions:
            raise ApiError(
                400, f"the prompt has {len(prompt_ids)} tokens; the model's context is {service.max_positions}"
            )
        job = SampleRequest(
            prompt_ids=prompt_ids,
            n=req.n,
            temperature=req.temperature,
            top_p=req.top_p,
            max_tokens=max_tokens,
            seed=req.seed,
            top_logprobs=(req.top_logprobs or 0) if req.logprobs else 0,
        )
        samples: list[Sample]
        samples, policy_id = await asyncio.wrap_future(service.submit(job, adapter))
        choices = [_choice(service, i, s, req) for i, s in enumerate(samples)]
        completion_tokens = sum(len(s.token_ids) for s in samples)
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": policy_id,
                "choices": choices,
                "usage": {
                    "prompt_tokens": len(prompt_ids),
                    "completion_tokens": completion_tokens,
                    "total_tokens": len(prompt_ids) + completion_tokens,
                },
                "prompt_logprobs": None,
                "prompt_token_ids": prompt_ids if req.return_token_ids else None,
            }
        )

    @app.post("/train")
    async def train(request: Request) -> StreamingResponse:
        req = await _parse(request, TrainRequest)
        if req.algo not in ("sft", "grpo", "ppo"):
            raise ApiError(400, f"algo: expected sft, grpo or ppo, got {req.algo!r}", param="algo")
        rows = _train_rows(service, req)
        try:
            await asyncio.to_thread(service.prepare, req.algo, req.config)
        except ValueError as err:
            raise ApiError(400, str(err), param="config") from err

        def lines():
            for event in service.train(req.algo, req.config, rows):
                yield json.dumps(event) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/v1/load_lora_adapter")
    async def load_lora(request: Request) -> JSONResponse:
        req = await _parse(request, LoadLoraRequest)
        try:
            await asyncio.to_thread(service.load_named, req.lora_name, Path(req.lora_path))
        except (FileNotFoundError, ValueError) as err:
            raise ApiError(400, str(err), param="lora_path") from err
        return JSONResponse({"status": "ok", "message": f"Success: LoRA adapter '{req.lora_name}' added successfully."})

    @app.post("/v1/unload_lora_adapter")
    async def unload_lora(request: Request) -> JSONResponse:
        req = await _parse(request, UnloadLoraRequest)
        try:
            await asyncio.to_thread(service.unload_named, req.lora_name)
        except UnknownModelError as err:
            return _error(404, str(err), "NotFoundError", "lora_name")
        return JSONResponse(
            {"status": "ok", "message": f"Success: LoRA adapter '{req.lora_name}' removed successfully."}
        )

    return app


def _train_rows(service: PolicyService, req: TrainRequest) -> list[Any]:
    """Validate rows (or render SFT conversations) before the stream starts, so errors are a 400."""
    from .rows import Row, parse_rows, turn_spans

    vocab = len(service.policy.tokenizer)
    if req.conversations is not None:
        if req.rows is not None:
            raise ApiError(400, "send either rows or conversations, not both", param="conversations")
        if req.algo != "sft":
            raise ApiError(
                400, "conversations are only for algo sft; RL algorithms train on sampled rows", param="conversations"
            )
        rows = []
        for i, conv in enumerate(req.conversations):
            if not isinstance(conv.get("messages"), list):
                raise ApiError(
                    400,
                    f"conversations[{i}].messages: expected a list of messages",
                    param=f"conversations[{i}].messages",
                )
            try:
                r = render_sft(service.policy.tokenizer, conv["messages"], conv.get("tools"))
            except Exception as err:  # noqa: BLE001
                raise ApiError(400, f"conversations[{i}].{err}", param=f"conversations[{i}]") from err
            turns = len(turn_spans(r.env_mask))
            # No sampled tokens: logprobs are unknown (SFT does not use them); reward 1 per turn.
            rows.append(
                Row(r.prompt_ids, r.completion_ids, [0.0] * len(r.completion_ids), r.env_mask, [1.0] * turns, str(i))
            )
        if not rows:
            raise ApiError(400, "conversations: empty", param="conversations")
        return rows
    if req.rows is None:
        raise ApiError(400, "rows: missing (or, for sft, send conversations)", param="rows")
    try:
        rows = parse_rows(req.rows, vocab_size=vocab)
    except ValueError as err:
        raise ApiError(400, str(err), param=str(err).split(":", 1)[0]) from err
    if not rows:
        raise ApiError(400, "rows: empty", param="rows")
    return rows


class _Server(uvicorn.Server):
    """uvicorn, announcing the bound address once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str, int], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if sockets:
            host, port = sockets[0].getsockname()[:2]
            self._on_ready(host, port)


def bind(host: str, port: int) -> socket.socket:
    """Bind first (port 0 = any free port), so the printed address is the real one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def make_server(service: PolicyService, on_ready: Callable[[str, int], None]) -> _Server:
    config = uvicorn.Config(build_app(service), log_level="warning", access_log=False, lifespan="off")
    return _Server(config, on_ready)
