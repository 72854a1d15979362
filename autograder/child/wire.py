"""The bytes between the runner and a student process: a JSON tree in which NumPy arrays
are replaced by {"__array__": index}, followed by the arrays' raw bytes.

    b"AGW1" | header length (8 bytes, little-endian) | JSON header | array bytes

The header holds {"tree": ..., "arrays": [{"dtype", "shape"}, ...]}. Only plain numeric
dtypes travel (no objects, so nothing is ever unpickled), and `decode` checks every size
against the bytes actually there before it trusts any of them.
"""
import json

import numpy as np

MAGIC = b"AGW1"
DTYPES = {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"}
MAX_DIMENSIONS = 8


def shorten(text, limit):
    """`text` cut to at most `limit` characters at a word boundary, "..." marking the cut
    (mid-word only where no space falls in its last half). Used on both sides for the lines
    a hand-in can make long: an exception's message, a failure line."""
    if len(text) <= limit:
        return text
    cut = text[:max(limit - 3, 0)]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "..."


class WireError(ValueError):
    """Bytes that are not a well-formed message."""


def encode(tree):
    """`tree` (dicts, lists, str, int, float, bool, None and np.ndarray) as bytes. An array
    of a dtype that cannot travel becomes {"unsent": "<dtype>"}."""
    arrays = []

    def plain(value):
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, np.ndarray):
            if value.dtype.str.replace(">", "<") not in DTYPES:
                return {"unsent": str(value.dtype)}
            arrays.append(value.astype(value.dtype.newbyteorder("<"), copy=False))
            return {"__array__": len(arrays) - 1}
        return value

    header = json.dumps({"tree": plain(tree), "arrays": [
        {"dtype": array.dtype.str, "shape": list(array.shape)} for array in arrays]}).encode()
    return b"".join([MAGIC, len(header).to_bytes(8, "little"), header,
                     *(array.tobytes() for array in arrays)])


def decode(data, max_header=1 << 22):
    """The tree of `encode`, arrays restored (fresh, writable copies). Raises WireError on
    anything malformed: a short or long message, a dtype or shape out of bounds, a header
    over `max_header` bytes or nested too deep."""
    if len(data) < 12 or data[:4] != MAGIC:
        raise WireError("not a reply of the grader's format")
    length = int.from_bytes(data[4:12], "little")
    if length > max_header or 12 + length > len(data):
        raise WireError("a header longer than allowed")
    try:
        header = json.loads(data[12:12 + length].decode("utf-8"))
        specs, tree = header["arrays"], header["tree"]
    except (ValueError, RecursionError, KeyError, TypeError):
        raise WireError("a header that is not the grader's JSON") from None
    arrays, offset = [], 12 + length
    if not isinstance(specs, list):
        raise WireError("a header without its list of arrays")
    for spec in specs:
        dtype, shape = _checked_spec(spec)
        size = dtype.itemsize * int(np.prod(shape, dtype=object))
        if offset + size > len(data):
            raise WireError("arrays longer than the message")
        arrays.append(np.frombuffer(data, dtype, int(np.prod(shape, dtype=object)),
                                    offset).reshape(shape).copy())
        offset += size
    if offset != len(data):
        raise WireError("bytes after the last array")
    try:
        return _restore(tree, arrays)
    except RecursionError:
        raise WireError("a header nested too deep") from None


def _checked_spec(spec):
    if not isinstance(spec, dict) or spec.get("dtype") not in DTYPES:
        raise WireError("an array of a dtype that is not allowed")
    shape = spec.get("shape")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS
            or not all(type(n) is int and 0 <= n < 1 << 40 for n in shape)):
        raise WireError("an array of a malformed shape")
    return np.dtype(spec["dtype"]), tuple(shape)


def _restore(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            index = value["__array__"]
            if type(index) is not int or not 0 <= index < len(arrays):
                raise WireError("a reference to an array that is not there")
            return arrays[index]
        return {key: _restore(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item, arrays) for item in value]
    return value
