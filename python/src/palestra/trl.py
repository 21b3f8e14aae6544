"""Palestra environments for TRL's ``GRPOTrainer(environment_factory=...)`` (TRL 1.16).

`environment_factory(url_or_name)` returns a class; TRL makes instances of it (one per rollout,
pooled and reset between batches) and reads, from the class:

- ``reset(**row)``: called with the dataset row of the rollout (TRL 1.16 hands every row to
  ``reset`` as keyword arguments; a row's ``seed``, ``task_id`` and ``task_index`` pick the
  episode, the rest is ignored). It returns the first observation's text, which TRL appends to the
  last user message of the prompt.
- one method per tool of the environment, generated from the server's ``GET /schema``: its name,
  its docstring (Google style: the tool's description, one ``Args:`` line per argument with its
  JSON Schema constraints) and typed arguments (``str``, ``int``, ``float``, ``bool``, ``list``,
  ``dict``, an ``enum`` as ``Literal``; an optional argument defaults to None and is left out of
  the call). TRL renders them into the chat template with transformers' ``get_json_schema`` and
  calls them with the model's arguments; a method returns the observation text the step produced.
  A ``reply(text)`` method plays a plain text reply (the environment's reply event; ``text_reply``
  when a tool is named ``reply``).
- ``get_reward()``: the episode's return (the sum of its step rewards), once per finished rollout.

Every public function of the class is a tool for TRL, so everything else on it is private or a
property. An argument outside the tool's schema is the environment's business: a server started
here plays it as a penalised step (``--invalid-actions penalize``, as in training); a tool called
after the episode ended raises, which TRL shows the model as ``{"error": ...}``.

**Rows arrive repeated.** TRL 1.16 repeats each dataset row ``num_generations`` times before
generation (its ``RepeatSampler``; the ``rollout_func`` docstring says the slice has no duplicates,
the code repeats it), so the rollouts of one GRPO group get the same row: give each row a ``seed``
(`seed_dataset`) and a group plays one episode start, as GRPO's advantage assumes.

Example:
    >>> from trl import GRPOConfig, GRPOTrainer  # doctest: +SKIP
    >>> from palestra.trl import environment_factory, seed_dataset  # doctest: +SKIP
    >>> Env = environment_factory("echo-target")  # doctest: +SKIP
    >>> trainer = GRPOTrainer(model, args=GRPOConfig(...), train_dataset=seed_dataset(8),  # doctest: +SKIP
    ...                       environment_factory=Env)
    >>> trainer.train(); Env.shutdown()  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import json
import keyword
import re
import threading
import weakref
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

from .client import Client, JsonObject, Session
from .connection import is_url
from .errors import PalestraError
from .server import InvalidActions, ServerProcess

if TYPE_CHECKING:
    import datasets

#: Rewards on the wire are floats; observations also carry the exact integer of micro-units.
MICROS = 1_000_000
#: The keys of a dataset row that `reset` passes on to the server.
RESET_KEYS = ("seed", "task_id", "task_index")
# Type hints built at run time from a schema (what static checkers cannot follow): Literal[values],
# Union[types], list[type].
_LITERAL: Any = Literal
_UNION: Any = Union
_LIST: Any = list


class PalestraToolEnv:
    """What `environment_factory` subclasses: one `/ws` session of a Palestra server per instance.

    The generated subclass adds one method per tool. Class attributes say what it talks to:
    ``url``, ``env_name``, ``tools`` (the method name → the tool's name and JSON Schema).
    """

    url: ClassVar[str]
    env_name: ClassVar[str]
    tools: ClassVar[dict[str, JsonObject]]
    _server: ClassVar[ServerProcess | None] = None
    _instances: ClassVar[weakref.WeakSet[PalestraToolEnv]]
    _lock: ClassVar[threading.Lock]

    def __init__(self) -> None:
        self._session: Session | None = None
        self._observation: JsonObject = {}
        self._done = False
        self._return_micros = 0
        self._finalizer: weakref.finalize[Any, Any] | None = None
        with self._lock:
            self._instances.add(self)

    def reset(self, **row: Any) -> str:
        """Start a new episode; returns the observation's text (the task's instructions)."""
        if self._session is None:
            self._session = Client(self.url).session()
            self._finalizer = weakref.finalize(self, self._session.close)
        data = {k: row[k] for k in RESET_KEYS if row.get(k) is not None}
        answer = self._session.reset(**data)
        self._observation = answer.get("observation") or {}
        self._done = bool(answer.get("done"))
        self._return_micros = 0
        return str(self._observation.get("text", ""))

    def get_reward(self) -> float:
        """The episode's return so far: the sum of its step rewards (TRL calls it once per rollout)."""
        return self._return_micros / MICROS

    @property
    def done(self) -> bool:
        """Whether the episode has ended (terminated or truncated)."""
        return self._done

    @property
    def observation(self) -> JsonObject:
        """The last observation, as the server sent it (``text``, ``json``, ``step``, ``state``, …)."""
        return self._observation

    def _act(self, action: JsonObject) -> str:
        """Play `action`; the observation's text is what the model reads as the tool's result."""
        if self._session is None:
            raise PalestraError("NOT_RESET", "call reset() before a tool: no episode is running")
        if self._done:
            raise PalestraError("EPISODE_OVER", "the episode is over: this call was not played", {"action": action})
        answer = self._session.step(action)
        self._observation = answer.get("observation") or {}
        micros = self._observation.get("reward_micros")
        reward = answer.get("reward")
        self._return_micros += int(micros) if micros is not None else round(float(reward or 0) * MICROS)
        self._done = bool(answer.get("done"))
        return str(self._observation.get("text", ""))

    def _close(self) -> None:
        """Close this instance's session (the server keeps running)."""
        if self._finalizer is not None:
            self._finalizer()
        self._session = None

    @classmethod
    def shutdown(cls) -> None:
        """Close every instance's session, and stop the server if `environment_factory` started it."""
        with cls._lock:
            instances = list(cls._instances)
        for instance in instances:
            instance._close()
        if cls._server is not None:
            cls._server.close()


def environment_factory(
    url_or_name: str,
    *,
    max_sessions: int = 64,
    invalid_actions: InvalidActions = "penalize",
    reply: str | None = "auto",
) -> type[PalestraToolEnv]:
    """The class TRL's ``GRPOTrainer(environment_factory=...)`` expects, for one Palestra environment.

    `url_or_name` is a catalog name or a folder (a ``palestra serve`` process is started for it,
    with room for `max_sessions` rollouts at once and `invalid_actions` as in `palestra.make`; stop
    it with ``cls.shutdown()``), or the URL of a running ``palestra serve`` (which must allow as
    many sessions as the trainer's generation batch). `reply` names the method that plays a plain
    text reply (``auto``: ``reply``, or ``text_reply`` when a tool has that name; None: no such
    method).

    Example:
        >>> Env = environment_factory("echo-target")  # doctest: +SKIP
        >>> env = Env(); env.reset(seed=1)  # doctest: +SKIP
        'Call the echo tool with the word: cloud'
        >>> env.echo(word="cloud"), env.get_reward()  # doctest: +SKIP
        ('Call the echo tool with the word: cloud\\nYou said: cloud', 1.0)
    """
    server = None
    if is_url(url_or_name):
        url = url_or_name.rstrip("/")
    else:
        server = ServerProcess(url_or_name, max_sessions=max_sessions, invalid_actions=invalid_actions)
        url = server.url
    try:
        client = Client(url)
        schema = client.get("/schema")
        name = str(client.get("/metadata").get("name", url_or_name))
        specs = tool_specs(schema, reply=reply)
    except BaseException:
        if server is not None:
            server.close()
        raise
    namespace: dict[str, Any] = {
        "__doc__": f"The Palestra environment {name!r} ({url}) as a TRL environment: one method per tool.",
        "__module__": __name__,
        "url": url,
        "env_name": name,
        "tools": {method: {"tool": tool, "parameters": params} for method, tool, _, params in specs},
        "_server": server,
        "_instances": weakref.WeakSet(),
        "_lock": threading.Lock(),
    }
    class_name = class_name_of(name)
    for method, tool, description, parameters in specs:
        namespace[method] = tool_method(class_name, method, tool, description, parameters)
    return type(class_name, (PalestraToolEnv,), namespace)


def seed_dataset(n: int, start: int = 0, *, prompt: str = "") -> datasets.Dataset:
    """A train dataset of `n` rows with seeds ``start … start + n - 1`` and a conversational prompt
    (`prompt`, to which `reset` appends the episode's first observation). TRL repeats each row
    ``num_generations`` times, so one GRPO group plays one seed.

    Example:
        >>> seed_dataset(2)[1]  # doctest: +SKIP
        {'prompt': [{'content': '', 'role': 'user'}], 'seed': 1}
    """
    import datasets

    return datasets.Dataset.from_dict(
        {"prompt": [[{"role": "user", "content": prompt}] for _ in range(n)], "seed": list(range(start, start + n))}
    )


# -- from /schema to methods ---------------------------------------------------------------------


def tool_specs(schema: JsonObject, *, reply: str | None = "auto") -> list[tuple[str, str | None, str, JsonObject]]:
    """``(method name, tool name, description, parameters)`` per tool of a ``/schema`` answer, plus
    the text reply as `reply` (tool name None; ``auto``: ``reply``, or ``text_reply`` when a tool
    is named ``reply``). The action schema is a ``oneOf`` with one
    alternative per tool (``properties.tool.const`` and the ``arguments`` JSON Schema)."""
    alternatives = (schema.get("action") or {}).get("oneOf") or []
    specs: list[tuple[str, str | None, str, JsonObject]] = []
    for alt in alternatives:
        props = alt.get("properties") or {}
        tool = (props.get("tool") or {}).get("const")
        if isinstance(tool, str):
            specs.append(
                (method_name_of(tool), tool, str(alt.get("description") or tool), props.get("arguments") or {})
            )
    if reply == "auto":  # `reply`, unless a tool has that name (refund-desk's reply to the customer)
        reply = "text_reply" if any(method == "reply" for method, *_ in specs) else "reply"
    if reply is not None:
        if any(method == reply for method, *_ in specs):
            raise PalestraError("TOOL_NAME_TAKEN", f"a tool is named {reply!r}: pass reply= another method name")
        text = {"type": "object", "properties": {"text": {"type": "string", "description": "What you say."}}}
        specs.append((reply, None, "Reply with text instead of calling a tool.", {**text, "required": ["text"]}))
    seen: dict[str, str | None] = {}
    for method, tool, *_ in specs:
        if method in seen:
            raise PalestraError(
                "TOOL_NAME_TAKEN", f"tools {seen[method]!r} and {tool!r} both become the method {method!r}"
            )
        seen[method] = tool
    return specs


def method_name_of(tool: str) -> str:
    """A tool's name as a Python method name TRL can call (and the model sees)."""
    name = re.sub(r"\W", "_", tool)
    if not name or name[0].isdigit() or name.startswith("_") or keyword.iskeyword(name):
        name = f"tool_{name.lstrip('_')}"
    if name in ("reset", "get_reward", "shutdown"):
        raise PalestraError("TOOL_NAME_RESERVED", f"the tool {tool!r} would hide TRL's {name}() method", {"tool": tool})
    return name


def class_name_of(env_name: str) -> str:
    """``echo-target`` → ``EchoTarget``: the class name TRL logs the environment's reward under."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", env_name) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "PalestraEnv"
    return name if name.isidentifier() and not name[0].isdigit() else f"Env{name}"


def tool_method(class_name: str, method: str, tool: str | None, description: str, parameters: JsonObject) -> Any:
    """One tool as a method whose signature, annotations and docstring describe its arguments."""
    properties: dict[str, JsonObject] = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    for arg in properties:
        if not arg.isidentifier() or keyword.iskeyword(arg) or arg == "self":
            raise PalestraError(
                "TOOL_ARGUMENT_UNSUPPORTED",
                f"the argument {arg!r} of {tool or method!r} is not a Python identifier, so it cannot be a "
                "keyword argument of a tool method",
                {"tool": tool, "argument": arg},
            )
    order = [a for a in properties if a in required] + [a for a in properties if a not in required]
    annotations: dict[str, Any] = {}
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for arg in order:
        hint = annotation_of(properties[arg])
        if arg in required:
            params.append(inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY, annotation=hint))
        else:
            hint = _UNION[hint, None]
            params.append(inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY, annotation=hint, default=None))
        annotations[arg] = hint
    annotations["return"] = str

    def call(self: PalestraToolEnv, **arguments: Any) -> str:
        given = {k: v for k, v in arguments.items() if v is not None or k in required}
        if tool is None:
            return self._act({"text": given.get("text", "")})
        return self._act({"tool": tool, "arguments": given})

    call.__name__ = method
    call.__qualname__ = f"{class_name}.{method}"
    call.__module__ = __name__
    call.__doc__ = docstring(description, {a: properties[a] for a in order})
    call.__signature__ = inspect.Signature(params, return_annotation=str)  # type: ignore[attr-defined]
    call.__annotations__ = annotations
    return call


def annotation_of(schema: Any) -> Any:
    """A JSON Schema as the type hint transformers turns back into (nearly) the same schema."""
    if not isinstance(schema, dict):
        return Any
    scalars = (str, int, float, bool)
    if "const" in schema and isinstance(schema["const"], scalars):
        return _LITERAL[schema["const"]]
    if isinstance(schema.get("enum"), list) and schema["enum"] and all(isinstance(v, scalars) for v in schema["enum"]):
        return _LITERAL[tuple(schema["enum"])]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _UNION[tuple(annotation_of(s) for s in schema[key])]
    kind = schema.get("type")
    if isinstance(kind, list):
        return _UNION[tuple(annotation_of({**schema, "type": k}) for k in kind)]
    if kind == "array":
        items = schema.get("items")
        return _LIST[annotation_of(items)] if isinstance(items, dict) else list
    if kind == "object":
        return dict[str, Any]
    types: dict[Any, Any] = {"string": str, "integer": int, "number": float, "boolean": bool, "null": type(None)}
    return types.get(kind, Any)


def docstring(description: str, properties: dict[str, JsonObject]) -> str:
    """A Google-style docstring transformers' ``get_json_schema`` parses: the description, one
    ``Args:`` line per argument (its description and constraints), ``Returns:``."""
    lines = [_one_line(description) or "A tool of this environment."]
    if properties:
        lines += ["", "Args:"]
        lines += [f"    {arg}: {_argument_text(schema)}" for arg, schema in properties.items()]
    lines += ["", "Returns:", "    The observation after the call: what the environment shows next."]
    return "\n".join(lines)


def _argument_text(schema: JsonObject) -> str:
    said = _one_line(str(schema.get("description") or ""))
    limits = []
    for key, words in (
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("pattern", "matching {}"),
        ("format", "format {}"),
        ("minimum", "at least {}"),
        ("maximum", "at most {}"),
        ("exclusiveMinimum", "more than {}"),
        ("exclusiveMaximum", "less than {}"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
    ):
        if key in schema:
            limits.append(words.format(schema[key]))
    if said:
        text = said
    elif isinstance(schema.get("enum"), list):
        text = "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    else:
        text = str(schema.get("type") or "a value")
    return f"{text} ({', '.join(limits)})" if limits else text


def _one_line(text: str) -> str:
    """One line, without the words that start a docstring section (transformers would cut there)."""
    flat = " ".join(text.split())
    return re.sub(r"\b(Args|Returns|Raises):", r"\1 -", flat)


__all__ = [
    "PalestraToolEnv",
    "annotation_of",
    "class_name_of",
    "docstring",
    "environment_factory",
    "method_name_of",
    "seed_dataset",
    "tool_specs",
]
