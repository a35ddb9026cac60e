"""How a check's driver reaches the student's code: the same calls in a notebook and in the grader.

A *driver* (``hw_checks/part*.py``) builds the student's objects and calls them through a
``Host``; it never touches them directly::

    preprocessor = host.call(host.student("text.TextPreprocessor"), characters, 3, stopwords)
    text = host.call(preprocessor, "How to sort a list?")        # a plain value comes back
    size = host.get(tokenizer.attr("vocab_size"))

``LocalHost`` (``TaskTests.test_stage`` in a notebook, the reference's run) holds the objects in
this process. In the grader the driver runs in the grader's own process and the objects live in
the student's process, in a sandbox: ``grader.host_server`` serves the same requests there, and
``grader.remote.RemoteHost`` sends them over a socket. Either way what comes back is decoded by
``decode``: plain data only (None, bools, numbers, strings, lists, dicts with string keys, NumPy
arrays of plain dtypes) or a ``Handle`` to an object that stays on the student's side. Nothing
the student's code returns can run code in the driver's process.

Wire format of one message: ``>II`` (payload bytes, JSON bytes), the JSON, then the arrays' raw
bytes one after another (``"$": "array"`` entries name their dtype, shape and byte count).
"""
from __future__ import annotations

import importlib
import json
import math
import struct
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

HEADER = struct.Struct(">II")
MAX_DEPTH = 64
ARRAY_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64")
STUDENT_PACKAGE = "hw_utils"
GLUE_PACKAGE = "hw_checks"


class ProtocolError(ValueError):
    """A message that is not what the protocol allows (from the student's side: tampering)."""


class StudentError(Exception):
    """The student's code raised (reported by the host): the type's name, message, traceback."""

    def __init__(self, type_name: str, message: str, traceback: str = ""):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message, self.traceback = type_name, message, traceback


@dataclass(frozen=True)
class Target:
    """Something to call or read on the student's side.

    ``kind``: ``"student"`` (``name`` = ``"module.Attribute"`` in ``hw_utils``), ``"glue"``
    (``"module.function"`` in ``hw_checks``: a helper that runs on the student's side) or
    ``"handle"`` (``name`` = an object's number).
    ``attribute``: a dotted attribute path read from it first (``"_get_hard_negatives"``).
    """

    kind: str
    name: str
    attribute: str = ""
    type_name: str = ""  # a handle's object's type, for messages

    def attr(self, attribute: str) -> Target:
        path = f"{self.attribute}.{attribute}" if self.attribute else attribute
        return Target(self.kind, self.name, path, self.type_name)

    def to_wire(self) -> dict:
        return {"kind": self.kind, "name": self.name, "attribute": self.attribute}

    def __repr__(self) -> str:
        where = f"<{self.type_name or 'object'} #{self.name}>" if self.kind == "handle" else \
            f"{self.kind}:{self.name}"
        return where + (f".{self.attribute}" if self.attribute else "")


Handle = Target  # a Target of kind "handle": an object that stays on the student's side


@dataclass(frozen=True)
class Tensor:
    """A NumPy array the student's side receives as a ``torch.Tensor`` (driver -> host only)."""

    array: np.ndarray


class Host:
    """What drivers call. Subclasses implement ``_request``."""

    @staticmethod
    def student(path: str) -> Target:
        """``hw_utils.<module>.<attribute>``: ``host.student("text.TextPreprocessor")``."""
        return Target("student", path)

    @staticmethod
    def glue(path: str) -> Target:
        """``hw_checks.<module>.<function>``, run on the student's side: ``"glue.adam"``."""
        return Target("glue", path)

    def call(self, target: Target, *args: Any, **kwargs: Any) -> Any:
        """``target(*args, **kwargs)`` on the student's side."""
        return self._request({"op": "call", "target": target.to_wire(), "args": list(args),
                              "kwargs": kwargs})

    def map(self, target: Target, calls: list[list], **kwargs: Any) -> list:
        """``[target(*args, **kwargs) for args in calls]`` in one request."""
        return self._request({"op": "map", "target": target.to_wire(), "args": calls,
                              "kwargs": kwargs})

    def get(self, target: Target) -> Any:
        """The value of ``target`` (an attribute path) on the student's side."""
        return self._request({"op": "get", "target": target.to_wire()})

    def imports(self, modules: list[str]) -> None:
        """Import the student's modules (``hw_utils.text``, ...): the import phase."""
        self._request({"op": "import", "modules": modules})

    def _request(self, request: dict) -> Any:
        raise NotImplementedError


# ------------------------------------------------------------------------------------ codec


def encode(value: Any, store: Objects | None = None) -> tuple[Any, list[bytes]]:
    """``value`` as JSON-able data and the arrays' bytes. On the student's side (``store``
    given) an object that is not plain data is kept in ``store`` and sent as a handle."""
    blobs: list[bytes] = []

    def array(data: np.ndarray, torch: bool) -> dict:
        if data.dtype.name not in ARRAY_DTYPES:
            data = data.astype(np.float32 if data.dtype.kind in "fc" else np.int64)
        data = np.ascontiguousarray(data)
        blobs.append(data.tobytes())
        return {"$": "array", "dtype": data.dtype.name, "shape": list(data.shape),
                "blob": len(blobs) - 1, "torch": torch}

    def walk(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"a value nested more than {MAX_DEPTH} levels deep")
        if item is None or type(item) in (bool, int, str):
            return item
        if type(item) is float:
            return item if math.isfinite(item) else {"$": "float", "value": repr(item)}
        if type(item) is list:
            return [walk(x, depth + 1) for x in item]
        if type(item) is tuple:
            return {"$": "tuple", "items": [walk(x, depth + 1) for x in item]}
        if type(item) is dict:
            return {"$": "dict", "items": [[walk(k, depth + 1), walk(v, depth + 1)]
                                           for k, v in item.items()]}
        if type(item) in (set, frozenset):
            return {"$": "set", "items": [walk(x, depth + 1) for x in item]}
        if isinstance(item, Target):
            if item.kind != "handle" or item.attribute:
                raise ProtocolError(f"only an object can be passed to the student's side, "
                                    f"not {item!r}")
            return {"$": "handle", "id": item.name}
        if isinstance(item, Tensor):
            return array(np.asarray(item.array), True)
        if isinstance(item, np.ndarray):
            return array(item, False)
        if isinstance(item, np.generic):
            return walk(item.item(), depth + 1)
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(item, torch.Tensor):
            item = item.detach().cpu()
            if item.dtype == torch.bfloat16:
                item = item.float()
            return array(item.numpy(), True)
        if store is not None:
            if isinstance(item, (bool, int, float, str)):  # a subclass: its plain value
                return walk(type(item).__mro__[-2](item), depth + 1)
            return {"$": "handle", "id": str(store.add(item)), "type": type(item).__name__[:80]}
        raise ProtocolError(f"cannot send a {type(item).__name__} to the student's side")

    return walk(value, 0), blobs


def decode(data: Any, blobs: list[bytes], student_side: bool, objects: Objects | None = None
           ) -> Any:
    """The value ``encode`` made. On the driver's side (``student_side=False``) tuples and sets
    become lists and dict keys strings (as JSON would have them), arrays stay NumPy arrays and
    handles become ``Handle``s; on the student's side handles are looked up in ``objects`` and
    arrays marked ``torch`` become tensors."""

    def walk(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"a value nested more than {MAX_DEPTH} levels deep")
        if item is None or type(item) in (bool, int, float, str):
            return item
        if type(item) is list:
            return [walk(x, depth + 1) for x in item]
        if type(item) is not dict:
            raise ProtocolError(f"unexpected {type(item).__name__} in a message")
        tag = item.get("$")
        if tag == "float":
            return _float(item.get("value"))
        if tag in ("tuple", "set"):
            items = [walk(x, depth + 1) for x in _list(item.get("items"))]
            if not student_side:
                return items
            return tuple(items) if tag == "tuple" else set(items)
        if tag == "dict":
            pairs = [(walk(k, depth + 1), walk(v, depth + 1))
                     for k, v in (_pair(p) for p in _list(item.get("items")))]
            if student_side:
                return dict(pairs)
            return {_key(k): v for k, v in pairs}
        if tag == "array":
            return _array(item, blobs, student_side)
        if tag == "handle":
            if student_side:
                return objects.get(item.get("id"))
            return Target("handle", str(item.get("id")), type_name=str(item.get("type", ""))[:80])
        raise ProtocolError(f"unknown tag {tag!r} in a message")

    return walk(data, 0)


def _list(value: Any) -> list:
    if type(value) is not list:
        raise ProtocolError("malformed message: a list was expected")
    return value


def _pair(value: Any) -> tuple:
    if type(value) is not list or len(value) != 2:
        raise ProtocolError("malformed message: a (key, value) pair was expected")
    return value[0], value[1]


def _key(key: Any) -> str:
    if key is None or type(key) in (bool, int, float, str):
        return str(key)
    raise ProtocolError(f"a dict key of type {type(key).__name__}: keys must be plain")


def _float(text: Any) -> float:
    if text not in ("nan", "inf", "-inf"):
        raise ProtocolError(f"malformed number {text!r}")
    return float(text)


def _array(item: dict, blobs: list[bytes], student_side: bool) -> Any:
    dtype, shape, index = item.get("dtype"), item.get("shape"), item.get("blob")
    if dtype not in ARRAY_DTYPES or type(shape) is not list or not all(
            type(n) is int and n >= 0 for n in shape) or len(shape) > 8:
        raise ProtocolError(f"malformed array (dtype {dtype!r}, shape {shape!r})")
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("an array without its bytes")
    data = blobs[index]
    if math.prod(shape) * np.dtype(dtype).itemsize != len(data):
        raise ProtocolError(f"an array of shape {shape} and dtype {dtype} with {len(data)} bytes")
    array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if student_side and item.get("torch"):
        import torch

        return torch.from_numpy(array)
    return array


def pack(message: Any, store: Objects | None = None) -> bytes:
    """One message as bytes (see the module's docstring)."""
    data, blobs = encode(message, store)
    text = json.dumps({"data": data, "sizes": [len(blob) for blob in blobs]},
                      separators=(",", ":"), allow_nan=False).encode("utf-8")
    return HEADER.pack(len(text) + sum(map(len, blobs)), len(text)) + b"".join([text, *blobs])


def unpack_frame(frame: bytes) -> tuple[Any, list[bytes]]:
    """``pack``'s bytes back into the JSON part and the arrays' bytes."""
    payload_bytes, text_bytes = HEADER.unpack_from(frame)
    if payload_bytes != len(frame) - HEADER.size:
        raise ProtocolError("a message whose length is not the one its header says")
    return unpack(frame[HEADER.size:], text_bytes)


def unpack(payload: bytes, text_bytes: int) -> tuple[Any, list[bytes]]:
    """The JSON part and the arrays' bytes of one message's payload (after its header)."""
    if not 0 <= text_bytes <= len(payload):
        raise ProtocolError("malformed message header")
    try:
        message = json.loads(payload[:text_bytes].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError(f"a message that is not JSON: {str(error)[:200]}") from None
    sizes = message.get("sizes") if type(message) is dict else None
    if type(sizes) is not list or any(type(size) is not int or size < 0 for size in sizes) or \
            sum(sizes) != len(payload) - text_bytes:
        raise ProtocolError("the arrays' sizes do not add up to the message's length")
    blobs, start = [], text_bytes
    for size in sizes:
        blobs.append(payload[start:start + size])
        start += size
    return message.get("data"), blobs


# ------------------------------------------------------------------------- the student's side


class Objects:
    """The student's side's table of the objects the driver holds handles to."""

    def __init__(self):
        self.items: dict[str, Any] = {}

    def add(self, item: Any) -> int:
        number = len(self.items) + 1
        self.items[str(number)] = item
        return number

    def get(self, number: Any) -> Any:
        if number not in self.items:
            raise ProtocolError(f"no object #{number}")
        return self.items[number]


def resolve(target: dict, objects: Objects) -> Any:
    """The object a wire ``Target`` names, on the student's side."""
    kind, name, attribute = target.get("kind"), str(target.get("name")), target.get("attribute")
    if kind in ("student", "glue"):
        module, _, rest = name.partition(".")
        package = STUDENT_PACKAGE if kind == "student" else GLUE_PACKAGE
        item = importlib.import_module(f"{package}.{module}")
        attribute = f"{rest}.{attribute}".strip(".") if attribute else rest
    elif kind == "handle":
        item = objects.get(name)
    else:
        raise ProtocolError(f"unknown target kind {kind!r}")
    for part in filter(None, str(attribute or "").split(".")):
        item = getattr(item, part)
    return item


def execute(request: dict, objects: Objects) -> Any:
    """Carry out one decoded request on the student's side; its result (not yet encoded)."""
    op = request.get("op")
    if op == "import":
        for module in request.get("modules", []):
            importlib.import_module(module)
        return None
    target = resolve(request.get("target") or {}, objects)
    if op == "get":
        return target
    kwargs = request.get("kwargs") or {}
    if op == "call":
        return target(*request.get("args", ()), **kwargs)
    if op == "map":
        return [target(*args, **kwargs) for args in request.get("args", ())]
    raise ProtocolError(f"unknown operation {op!r}")


class LocalHost(Host):
    """The student's objects in this process (a notebook's ``test_stage``, the reference's run).

    Requests and results go through the codec as they would between processes, so a driver
    sees the same values here as in the grader; exceptions come as they are raised.
    """

    def __init__(self):
        self.objects = Objects()

    def _request(self, request: dict) -> Any:
        data, blobs = encode(request)
        decoded = decode(data, blobs, student_side=True, objects=self.objects)
        result, result_blobs = encode(execute(decoded, self.objects), self.objects)
        return decode(result, result_blobs, student_side=False)
