"""Model files and spike files (spec ``truenorth-chip.md`` section 4).

A **model file** is a JSON description of a :class:`~.hardware.ChipModel`; a **spike
file** holds spike trains by port, ``{"spikes": {"<port>": [[tick, index], ...]}}``.
Both are checked strictly on loading: a file that breaks a rule is refused with a
:class:`~.hardware.HardwareModelError` (model files) or
:class:`~.hardware.SpikeFileError` (spike files) that names the place (core id, neuron
or axon index, field), the value and the allowed range. The ranges themselves are
checked by :func:`~.hardware.validation.validate_model`; this module checks what only
a file can get wrong (keys, lengths, types, hex digits, ordering).

Reading is bounded: a file larger than ``max_bytes`` (default
:data:`MAX_FILE_BYTES`) is refused before it is read, and a model file of more than
``max_cores`` cores (default :data:`MAX_CORES`) before its cores are built; pass
``None`` to lift a limit. Text that is not JSON Python can hold (an integer of more
than 4,300 digits, arrays nested past the recursion limit) is refused like any other
invalid JSON.

Writing is canonical and atomic: the same model always gives the same bytes, and a
file is written to a temporary file beside it, then moved into place, so an
interrupted save never leaves a half-written file.

Examples
--------
>>> import io
>>> from nengo_truenorth.hardware import ChipModel
>>> model = ChipModel()
>>> core = model.add_core()
>>> core.set_neuron(0, leak=1, threshold=10)
>>> model.add_output("out", [(core.id, 0)])
>>> text = dumps_model(model)
>>> load_model(io.StringIO(text)).outputs
{'out': [(0, 0)]}
>>> dumps_spikes({"out": [[19, 0], [9, 0]]})
'{\\n  "spikes": {\\n    "out": [[9, 0], [19, 0]]\\n  }\\n}\\n'
"""

import json
import os
import re
import sys
import tempfile

import numpy as np

from .hardware.core import Core
from .hardware.errors import HardwareModelError, SpikeFileError
from .hardware.limits import (
    AXONS_PER_CORE,
    CORES_PER_CHIP,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
)
from .hardware.model import ChipModel
from .hardware.validation import field_range, validate_model

#: The ``"format"`` of a model file.
MODEL_FORMAT = "truenorth-model"
#: The model-file version this module reads and writes.
MODEL_VERSION = 1

#: Keys of a model file, a core and a core's ``neurons``, in file order.
MODEL_KEYS = ("format", "version", "cores", "inputs", "outputs")
CORE_KEYS = ("id", "x", "y", "seed", "axon_types", "crossbar", "neurons")
DESTINATION_KEYS = ("target_core", "target_axon", "target_delay")
NEURON_KEYS = tuple(NEURON_FIELDS) + DESTINATION_KEYS
#: Keys of a spike file.
SPIKE_FILE_KEYS = ("spikes",)

#: Hex digits in one crossbar row (256 bits).
CROSSBAR_HEX_DIGITS = NEURONS_PER_CORE // 4

#: Default largest file the loaders read, in bytes: room for a full chip (4,096
#: cores take 150 to 200 MB of model file). Parsing takes up to about 20 times the
#: file's size in memory (for JSON made of empty lists).
MAX_FILE_BYTES = 256 * 10**6
#: Default largest number of cores of a model file: one chip. Loading takes about
#: 0.3 MB per core.
MAX_CORES = CORES_PER_CHIP
#: Spikes formatted at once when a spike file is written.
_SPIKES_PER_PIECE = 2**16

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_HEX_ROW = re.compile(f"[0-9a-fA-F]{{{CROSSBAR_HEX_DIGITS}}}")


class _Shown(str):
    """A description of a value, shown in messages without quotes."""

    def __repr__(self):
        return str(self)


#: The value reported for a missing key.
MISSING = _Shown("<missing>")


def _show(value):
    """The value itself if it is short, else a description of it (for messages)."""
    if _is_int(value) and abs(int(value)) >= 2**128:  # not all written out
        return _Shown(f"<integer of {abs(int(value)).bit_length()} bits>")
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return _Shown(f"<list of {len(value)} entries>")
    if isinstance(value, dict) and len(value) > 8:
        return _Shown(f"<object of {len(value)} keys>")
    if isinstance(value, str) and len(value) > 80:
        return _Shown(repr(value[:77] + "..."))
    return value


def _is_int(value):
    """True for an integer that is not a bool (JSON ``1``, not ``1.0`` or ``true``)."""
    return type(value) is int or isinstance(value, np.integer)


def _integers(allowed):
    """The rule for a value that is not an integer, given its field's range."""
    if allowed.startswith("integers"):
        return allowed
    if allowed[:1] in "-0123456789" and ".." in allowed:
        return f"integers in {allowed}"
    return f"integers: {allowed}"


def _all_ints(values):
    """True if every entry of the flat list ``values`` is an integer (not a bool)."""
    return all(t is int or issubclass(t, np.integer) for t in set(map(type, values)))


# --- JSON text -------------------------------------------------------------------


def _parse_json(text, error, what):
    """Parse JSON, refusing duplicate keys; ``error(place, field, value, allowed)``."""

    def pairs(items):
        obj = {}
        for key, value in items:
            if key in obj:
                raise error(what, "key", key, "each key once in an object")
            obj[key] = value
        return obj

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(what, "encoding", _Shown(str(e)), "UTF-8 text") from None
    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        raise error(
            f"{what}, line {e.lineno}, column {e.colno}",
            "JSON",
            _Shown(e.msg),
            "valid JSON",
        ) from None
    except error:  # a duplicate key, from pairs()
        raise
    except ValueError:  # an integer past Python's limit on digits read
        digits = sys.get_int_max_str_digits()
        raise error(
            what,
            "JSON",
            _Shown(f"an integer of more than {digits:,} digits"),
            f"valid JSON with integers of at most {digits:,} digits",
        ) from None
    except RecursionError:
        raise error(
            what,
            "JSON",
            _Shown("arrays or objects nested too deep for Python's parser"),
            "valid JSON nested a few levels deep",
        ) from None


def _read_text(path_or_file, max_bytes, error, what):
    """The contents of a path or an open file, refused past ``max_bytes``.

    A regular file's size is checked before it is read; other files (pipes,
    devices) are read up to one byte past the limit.
    """
    if hasattr(path_or_file, "read"):
        return _read_at_most(path_or_file, max_bytes, error, what)
    with open(path_or_file, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if max_bytes is not None and size > max_bytes:
            raise error(
                what, "file size", _Shown(f"{size:,} bytes"), _at_most(max_bytes)
            )
        return _read_at_most(f, max_bytes, error, what)


def _read_at_most(f, max_bytes, error, what):
    if max_bytes is None:
        return f.read()
    text = f.read(max_bytes + 1)
    if len(text) > max_bytes:
        raise error(
            what,
            "file size",
            _Shown(f"more than {max_bytes:,} bytes"),
            _at_most(max_bytes),
        )
    return text


def _at_most(max_bytes):
    return f"at most {max_bytes:,} bytes"


def write_atomic(path, text):
    """Write ``text`` to ``path`` so that no reader ever sees a half-written file.

    The text goes to a temporary file in the same directory, which is flushed to disk
    and then moved over ``path`` with :func:`os.replace`. An existing file keeps its
    permissions; a new one gets the usual ``0o666 & ~umask``.

    Parameters
    ----------
    path : str or path-like
    text : str or iterable of str
        The text, or pieces of it written one after the other (so that a long text
        need not be held whole).
    """
    pieces = (text,) if isinstance(text, str) else text
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for piece in pieces:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _keys(obj, place, field, expected, error, key_place=None):
    """Check ``obj``, field ``field`` at ``place``, has exactly the keys ``expected``.

    Errors about one key are reported at ``key_place`` (default: ``place``).
    """
    key_place = place if key_place is None else key_place
    keys = ", ".join(expected)
    if not isinstance(obj, dict):
        raise error(place, field, _show(obj), f"an object with keys {keys}")
    for key in expected:
        if key not in obj:
            raise error(
                key_place, key, MISSING, f"a required key (keys of {field}: {keys})"
            )
    for key in obj:
        if key not in expected:
            raise error(
                key_place,
                key,
                _show(obj[key]),
                f"no such key (keys of {field}: {keys})",
            )


# --- model files -------------------------------------------------------------------


def _int_array(values, place, field, n, index_name, width=1):
    """Check a list of ``n`` integers (or of ``n`` lists of ``width``) and return it.

    Returns an int64 ndarray of shape ``(n,)`` or ``(n, width)``.
    """
    allowed = field_range(field)
    things = "integers" if width == 1 else f"lists of {width} integers"
    if not isinstance(values, list):
        raise HardwareModelError(
            place, field, _show(values), f"a list of {n} {things} ({index_name}s)"
        )
    if len(values) != n:
        raise HardwareModelError(
            place,
            field,
            _Shown(f"<list of {len(values)} entries>"),
            f"a list of {n} entries, one per {index_name}",
        )
    flat = values
    if width != 1:
        for k, row in enumerate(values):
            if not isinstance(row, list) or len(row) != width:
                raise HardwareModelError(
                    f"{place}, {index_name} {k}",
                    field,
                    _show(row),
                    f"a list of {width} integers in {allowed}, one per axon type",
                )
        flat = [v for row in values for v in row]
    if not _all_ints(flat):
        k = next(k for k, v in enumerate(flat) if not _is_int(v))
        item, sub = divmod(k, width)
        raise HardwareModelError(
            f"{place}, {index_name} {item}",
            field if width == 1 else f"{field}[{sub}]",
            _show(flat[k]),
            _integers(allowed),
        )
    try:
        array = np.array(flat, dtype=np.int64)
    except OverflowError:
        k = next(k for k, v in enumerate(flat) if not _INT64_MIN <= v <= _INT64_MAX)
        item, sub = divmod(k, width)
        raise HardwareModelError(
            f"{place}, {index_name} {item}",
            field if width == 1 else f"{field}[{sub}]",
            _show(int(flat[k])),
            allowed,
        ) from None
    return array if width == 1 else array.reshape(n, width)


def _crossbar_from_rows(rows, place):
    """Turn 256 rows of 64 hex digits into a (256, 256) bool crossbar."""
    rule = f"{CROSSBAR_HEX_DIGITS} hex digits (256 bits, most significant first)"
    if not isinstance(rows, list):
        raise HardwareModelError(
            place, "crossbar", _show(rows), f"a list of {AXONS_PER_CORE} rows of {rule}"
        )
    if len(rows) != AXONS_PER_CORE:
        raise HardwareModelError(
            place,
            "crossbar",
            _Shown(f"<list of {len(rows)} entries>"),
            f"a list of {AXONS_PER_CORE} entries, one per axon",
        )
    for i, row in enumerate(rows):
        if not isinstance(row, str) or not _HEX_ROW.fullmatch(row):
            raise HardwareModelError(f"{place}, axon {i}", "crossbar", _show(row), rule)
    # Row i is the number sum_j w[i][j] * 2**j, written most significant digit first:
    # reverse each row's bytes to little-endian, then unpack bits least significant
    # first, so that column j is bit j.
    data = np.frombuffer(bytes.fromhex("".join(rows)), dtype=np.uint8)
    data = data.reshape(AXONS_PER_CORE, NEURONS_PER_CORE // 8)[:, ::-1]
    return np.unpackbits(data, axis=1, bitorder="little").astype(bool)


def crossbar_to_rows(crossbar):
    """Write a crossbar as model-file rows.

    Parameters
    ----------
    crossbar : (256, 256) array_like of bool
        ``crossbar[i, j]`` is ``w[i][j]``.

    Returns
    -------
    list of str
        Row ``i`` is ``format(sum_j w[i][j] * 2**j, "064x")``: 64 hex digits, most
        significant first, bit ``j`` (value ``2**j``) being ``w[i][j]``.

    Examples
    --------
    >>> w = np.zeros((256, 256), dtype=bool)
    >>> w[0, 0] = w[0, 5] = w[1, 255] = True
    >>> rows = crossbar_to_rows(w)
    >>> rows[0] == format(2**0 + 2**5, "064x"), rows[1][0]
    (True, '8')
    """
    bits = np.asarray(crossbar).astype(bool)
    packed = np.packbits(bits, axis=1, bitorder="little")[:, ::-1]
    return [row.tobytes().hex() for row in packed]


def crossbar_from_rows(rows, place="crossbar"):
    """Read model-file crossbar rows (the inverse of :func:`crossbar_to_rows`).

    Parameters
    ----------
    rows : list of str
        256 rows of 64 hex digits.
    place : str, optional
        Where the rows come from, for error messages.

    Returns
    -------
    (256, 256) ndarray of bool
    """
    return _crossbar_from_rows(rows, place)


def _core_from_dict(data, position):
    place = f"cores[{position}]"
    if isinstance(data, dict) and "id" in data and _is_int(data["id"]):
        place = f"core {data['id']}"
    _keys(data, place, "core", CORE_KEYS, HardwareModelError)
    for name in ("id", "x", "y", "seed"):
        if not _is_int(data[name]):
            raise HardwareModelError(
                place, name, _show(data[name]), _integers(field_range(name))
            )
    axon_types = _int_array(
        data["axon_types"], place, "axon_types", AXONS_PER_CORE, "axon"
    )
    crossbar = _crossbar_from_rows(data["crossbar"], place)
    neurons = data["neurons"]
    _keys(
        neurons,
        place,
        "neurons",
        NEURON_KEYS,
        HardwareModelError,
        key_place=f"{place}, neurons",
    )
    arrays = {}
    for name in NEURON_KEYS:
        width = NEURON_FIELDS[name][0] if name in NEURON_FIELDS else 1
        arrays[name] = _int_array(
            neurons[name], place, name, NEURONS_PER_CORE, "neuron", width=width
        )
    return Core.from_arrays(
        id=data["id"],
        x=data["x"],
        y=data["y"],
        seed=data["seed"],
        axon_types=axon_types,
        crossbar=crossbar,
        neurons={name: arrays[name] for name in NEURON_FIELDS},
        target_core=arrays["target_core"],
        target_axon=arrays["target_axon"],
        target_delay=arrays["target_delay"],
    )


def _ports_from_dict(ports, kind, index_name):
    place = f"{kind}s"
    if not isinstance(ports, dict):
        raise HardwareModelError(
            "model file", place, _show(ports), f"an object of {kind} ports"
        )
    out = {}
    for port, entries in ports.items():
        where = f"{kind} port {port!r}"
        if not isinstance(entries, list):
            raise HardwareModelError(
                where, "entries", _show(entries), f"a list of [core_id, {index_name}]"
            )
        pairs = []
        for k, entry in enumerate(entries):
            if (
                not isinstance(entry, list)
                or len(entry) != 2
                or not (_is_int(entry[0]) and _is_int(entry[1]))
            ):
                raise HardwareModelError(
                    f"{where}, index {k}",
                    "entry",
                    _show(entry),
                    f"a pair of integers [core_id, {index_name}]",
                )
            pairs.append((int(entry[0]), int(entry[1])))
        out[port] = pairs
    return out


def model_from_dict(data, max_cores=MAX_CORES):
    """Build a :class:`~.hardware.ChipModel` from a parsed model file.

    Parameters
    ----------
    data : dict
        The model file's JSON object (spec section 4).
    max_cores : int or None, optional
        Refuse models of more cores, before any is built (``None``: no limit).

    Returns
    -------
    ChipModel
        A validated model.

    Raises
    ------
    HardwareModelError
        If the data break any rule of the spec; the message names the place, the
        field, the value and the allowed range.
    """
    _keys(data, "model file", "top level", MODEL_KEYS, HardwareModelError)
    fmt, version = data["format"], data["version"]
    if fmt != MODEL_FORMAT:
        raise HardwareModelError("model file", "format", _show(fmt), repr(MODEL_FORMAT))
    if not _is_int(version) or version != MODEL_VERSION:
        raise HardwareModelError(
            "model file", "version", _show(version), f"{MODEL_VERSION} (this reader)"
        )
    cores = data["cores"]
    if not isinstance(cores, list):
        raise HardwareModelError("model file", "cores", _show(cores), "a list of cores")
    if max_cores is not None and len(cores) > max_cores:
        raise HardwareModelError(
            "model file", "number of cores", len(cores), f"at most {max_cores:,}"
        )
    model = ChipModel([_core_from_dict(c, k) for k, c in enumerate(cores)])
    model.inputs = _ports_from_dict(data["inputs"], "input", "axon")
    model.outputs = _ports_from_dict(data["outputs"], "output", "neuron")
    validate_model(model)
    return model


def model_to_dict(model):
    """The model-file JSON object of a model (validated first).

    Parameters
    ----------
    model : ChipModel

    Returns
    -------
    dict
        Plain Python ints, lists and strings, keys in model-file order.
    """
    validate_model(model)
    cores = []
    for core in model.cores:
        neurons = {
            name: np.asarray(getattr(core, name)).tolist() for name in NEURON_KEYS
        }
        cores.append(
            {
                "id": int(core.id),
                "x": int(core.x),
                "y": int(core.y),
                "seed": int(core.seed),
                "axon_types": np.asarray(core.axon_types).tolist(),
                "crossbar": crossbar_to_rows(core.crossbar),
                "neurons": neurons,
            }
        )
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "cores": cores,
        "inputs": {
            p: [[int(c), int(a)] for c, a in e] for p, e in model.inputs.items()
        },
        "outputs": {
            p: [[int(c), int(n)] for c, n in e] for p, e in model.outputs.items()
        },
    }


def _line(value):
    return json.dumps(value, separators=(", ", ": "))


def _ports_text(ports, indent):
    if not ports:
        return "{}"
    pad = " " * indent
    items = [f"{pad}  {json.dumps(p)}: {_line(e)}" for p, e in ports.items()]
    return "{\n" + ",\n".join(items) + f"\n{pad}}}"


def dumps_model(model):
    """The model-file text of a model: canonical, compact and diff-friendly.

    One JSON object per core; ``id``, ``x``, ``y`` and ``seed`` on one line; each
    crossbar row on its own line (so a diff shows which axon changed); every other
    array on one line; one line per port.

    Parameters
    ----------
    model : ChipModel

    Returns
    -------
    str
    """
    data = model_to_dict(model)
    core_texts = []
    for core in data["cores"]:
        neurons = ",\n".join(
            f"        {json.dumps(name)}: {_line(values)}"
            for name, values in core["neurons"].items()
        )
        crossbar = ",\n".join(f'        "{row}"' for row in core["crossbar"])
        core_texts.append(
            "    {\n"
            f'      "id": {core["id"]}, "x": {core["x"]}, "y": {core["y"]}, '
            f'"seed": {core["seed"]},\n'
            f'      "axon_types": {_line(core["axon_types"])},\n'
            f'      "crossbar": [\n{crossbar}\n      ],\n'
            f'      "neurons": {{\n{neurons}\n      }}\n'
            "    }"
        )
    cores = "[\n" + ",\n".join(core_texts) + "\n  ]" if core_texts else "[]"
    return (
        "{\n"
        f'  "format": {json.dumps(data["format"])},\n'
        f'  "version": {data["version"]},\n'
        f'  "cores": {cores},\n'
        f'  "inputs": {_ports_text(data["inputs"], 2)},\n'
        f'  "outputs": {_ports_text(data["outputs"], 2)}\n'
        "}\n"
    )


def loads_model(text, max_cores=MAX_CORES):
    """Read a model from model-file text (``str`` or UTF-8 ``bytes``).

    Parameters
    ----------
    text : str or bytes
    max_cores : int or None, optional
        Refuse models of more cores (``None``: no limit).

    Returns
    -------
    ChipModel
        A validated model.

    Raises
    ------
    HardwareModelError
        If the text is not valid JSON or breaks any rule of the spec.
    """
    data = _parse_json(text, HardwareModelError, "model file")
    return model_from_dict(data, max_cores=max_cores)


def load_model(path_or_file, max_bytes=MAX_FILE_BYTES, max_cores=MAX_CORES):
    """Load and validate a model file.

    Parameters
    ----------
    path_or_file : str, path-like or file-like
        A path, or an open file (text or binary).
    max_bytes : int or None, optional
        Refuse larger files before reading them (characters of a text file object;
        ``None``: no limit).
    max_cores : int or None, optional
        Refuse models of more cores before building them (``None``: no limit).

    Returns
    -------
    ChipModel

    Raises
    ------
    HardwareModelError
        If the file breaks any rule of the spec or a limit.
    OSError
        If the file cannot be read.
    """
    text = _read_text(path_or_file, max_bytes, HardwareModelError, "model file")
    return loads_model(text, max_cores=max_cores)


def save_model(model, path):
    """Validate ``model`` and write it to ``path`` as a model file, atomically.

    Parameters
    ----------
    model : ChipModel
    path : str or path-like

    Raises
    ------
    HardwareModelError
        If the model breaks a rule of the spec (nothing is written then).
    """
    write_atomic(path, dumps_model(model))


# --- spike files -------------------------------------------------------------------


def port_sizes(model, kind):
    """Ports of ``model`` and their sizes: ``kind`` is ``"inputs"`` or ``"outputs"``.

    Returns
    -------
    dict of str to int
    """
    if kind not in ("inputs", "outputs"):
        raise ValueError(f"kind {kind!r} is not 'inputs' or 'outputs'")
    return {port: len(entries) for port, entries in getattr(model, kind).items()}


def _check_spike_array(array, place, sizes, port, ticks):
    """Range and order checks of one port's ``(n, 2)`` int64 spikes."""
    size = None if sizes is None else sizes[port]
    for column, name in ((0, "tick"), (1, "index")):
        hi = None
        if column == 0 and ticks is not None:
            hi = ticks - 1
        elif column == 1 and size is not None:
            hi = size - 1
        values = array[:, column]
        bad = values < 0 if hi is None else (values < 0) | (values > hi)
        if bad.any():
            n = int(np.flatnonzero(bad)[0])
            if hi is None:
                allowed = "integers >= 0"
            elif hi < 0:
                allowed = f"none (port {port!r} has no {name}s)"
            else:
                allowed = f"0..{hi}"
            if column == 0 and ticks is not None:
                allowed += f" (a run of {ticks} ticks)"
            elif column == 1 and size is not None and hi >= 0:
                allowed += f" (port {port!r} has {size} entries)"
            raise SpikeFileError(f"{place}, spike {n}", name, int(values[n]), allowed)
    if len(array) > 1:
        prev, next_ = array[:-1].T, array[1:].T
        bad = (next_[0] < prev[0]) | ((next_[0] == prev[0]) & (next_[1] <= prev[1]))
        if bad.any():
            n = int(np.flatnonzero(bad)[0]) + 1
            raise SpikeFileError(
                f"{place}, spike {n}",
                "[tick, index]",
                array[n].tolist(),
                f"sorted by tick, then index, each spike once "
                f"(it follows {array[n - 1].tolist()})",
            )


def spikes_from_dict(data, model=None, kind="inputs", ticks=None):
    """Read spike trains from a parsed spike file.

    Parameters
    ----------
    data : dict
        The spike file's JSON object, ``{"spikes": {port: [[tick, index], ...]}}``.
    model : ChipModel, optional
        If given, every port must be one of the model's ``kind`` ports and every index
        must lie inside its port.
    kind : {"inputs", "outputs"}, optional
        Which ports of ``model`` the spikes belong to.
    ticks : int, optional
        If given, every tick must lie in ``0..ticks - 1``.

    Returns
    -------
    dict of str to (n, 2) ndarray of int64
        Per port, ``[tick, index]`` rows sorted by tick, then index.

    Raises
    ------
    SpikeFileError
        If the data break a rule: the message names the port, the spike, the field,
        the value and the allowed range. Lists must already be sorted by tick, then
        index, with no spike twice.
    """
    sizes = None if model is None else port_sizes(model, kind)
    _keys(data, "spike file", "top level", SPIKE_FILE_KEYS, SpikeFileError)
    trains = data["spikes"]
    if not isinstance(trains, dict):
        raise SpikeFileError(
            "spike file",
            "spikes",
            _show(trains),
            "an object of ports: [[tick, index], ...]",
        )
    out = {}
    for port, entries in trains.items():
        place = f"spike file, port {port!r}"
        if sizes is not None and port not in sizes:
            known = ", ".join(map(repr, sizes)) or "none"
            raise SpikeFileError(
                place, "port", port, f"a port of the model's {kind} ({known})"
            )
        if not isinstance(entries, list):
            raise SpikeFileError(
                place, "spikes", _show(entries), "a list of [tick, index] pairs"
            )
        for n, entry in enumerate(entries):
            if not isinstance(entry, list) or len(entry) != 2:
                raise SpikeFileError(
                    f"{place}, spike {n}", "entry", _show(entry), "a pair [tick, index]"
                )
            for value, name in zip(entry, ("tick", "index")):
                if not _is_int(value):
                    raise SpikeFileError(
                        f"{place}, spike {n}", name, _show(value), "integers >= 0"
                    )
        try:
            array = np.array(entries, dtype=np.int64).reshape(-1, 2)
        except OverflowError:
            n, name, value = next(
                (n, name, v)
                for n, e in enumerate(entries)
                for name, v in zip(("tick", "index"), e)
                if not _INT64_MIN <= v <= _INT64_MAX
            )
            raise SpikeFileError(
                f"{place}, spike {n}", name, _show(int(value)), f"0..{_INT64_MAX}"
            ) from None
        _check_spike_array(array, place, sizes, port, ticks)
        out[port] = array
    return out


def _checked_trains(spikes, model, kind):
    """Per port (sorted), the ``(n, 2)`` int64 spikes sorted, duplicates removed."""
    if not isinstance(spikes, dict):
        raise SpikeFileError("spikes", "spikes", _show(spikes), "a dict of ports")
    sizes = None if model is None else port_sizes(model, kind)
    out = {}
    for port in sorted(spikes, key=str):
        place = f"spikes, port {port!r}"
        if not isinstance(port, str):
            raise SpikeFileError(place, "port", port, "strings")
        if sizes is not None and port not in sizes:
            raise SpikeFileError(
                place, "port", port, f"a port of the model's {kind} ({sorted(sizes)})"
            )
        array = np.asarray(spikes[port])
        if array.size == 0:
            array = np.zeros((0, 2), dtype=np.int64)
        if array.ndim != 2 or array.shape[1] != 2 or array.dtype.kind not in "iu":
            raise SpikeFileError(
                place,
                "spikes",
                _Shown(f"<array of shape {array.shape}, dtype {array.dtype}>"),
                "an (n, 2) array of integer [tick, index] rows",
            )
        array = _sorted_unique_rows(array.astype(np.int64, copy=False))
        _check_spike_array(array, place, sizes, port, None)
        out[port] = array
    return out


def _sorted_unique_rows(array):
    """``np.unique(array, axis=0)``, without its copies where ``array`` is already
    sorted by tick, then index, each row once (as emulators return spikes)."""
    if len(array) > 1:
        prev, next_ = array[:-1].T, array[1:].T
        increasing = (next_[0] > prev[0]) | (
            (next_[0] == prev[0]) & (next_[1] > prev[1])
        )
        if not increasing.all():
            return np.unique(array, axis=0)
    return array


def spikes_to_dict(spikes, model=None, kind="outputs"):
    """The spike-file JSON object of in-memory spike trains.

    Parameters
    ----------
    spikes : dict of str to (n, 2) array_like of int
        Per port, ``[tick, index]`` rows in any order (as
        :meth:`.Emulator.run` returns them).
    model : ChipModel, optional
        If given, ports and indices are checked against the model's ``kind`` ports.
    kind : {"inputs", "outputs"}, optional

    Returns
    -------
    dict
        ``{"spikes": {port: [[tick, index], ...]}}`` with ports in sorted order and
        each list sorted by tick, then index, duplicates removed.

    Raises
    ------
    SpikeFileError
        If a port, tick or index breaks a rule.
    """
    trains = _checked_trains(spikes, model, kind)
    return {"spikes": {port: array.tolist() for port, array in trains.items()}}


def _spike_file_pieces(trains):
    """The spike-file text of checked trains, in pieces of bounded length.

    The same text as ``_ports_text`` gives for the trains as lists, built a few
    thousand spikes at a time, so that a long recording is never held as text or
    as Python lists whole.
    """
    yield '{\n  "spikes": '
    if not trains:
        yield "{}"
    for n, (port, array) in enumerate(trains.items()):
        yield ("{\n" if n == 0 else ",\n") + f"    {json.dumps(port)}: ["
        for start in range(0, len(array), _SPIKES_PER_PIECE):
            rows = array[start : start + _SPIKES_PER_PIECE].tolist()
            text = ", ".join(f"[{t}, {k}]" for t, k in rows)
            yield text if start == 0 else ", " + text
        yield "]"
    if trains:
        yield "\n  }"
    yield "\n}\n"


def dumps_spikes(spikes, model=None, kind="outputs"):
    """The spike-file text of in-memory spike trains (see :func:`spikes_to_dict`).

    One line per port, ports sorted, spikes sorted by tick, then index.

    Returns
    -------
    str
    """
    return "".join(_spike_file_pieces(_checked_trains(spikes, model, kind)))


def loads_spikes(text, model=None, kind="inputs", ticks=None):
    """Read spike trains from spike-file text (see :func:`spikes_from_dict`)."""
    data = _parse_json(text, SpikeFileError, "spike file")
    return spikes_from_dict(data, model=model, kind=kind, ticks=ticks)


def load_spikes(
    path_or_file, model=None, kind="inputs", ticks=None, max_bytes=MAX_FILE_BYTES
):
    """Load and check a spike file.

    Parameters
    ----------
    path_or_file : str, path-like or file-like
    model : ChipModel, optional
        Check ports and indices against the model's ``kind`` ports.
    kind : {"inputs", "outputs"}, optional
    ticks : int, optional
        Refuse spikes at ticks outside ``0..ticks - 1``.
    max_bytes : int or None, optional
        Refuse larger files before reading them (``None``: no limit).

    Returns
    -------
    dict of str to (n, 2) ndarray of int64

    Raises
    ------
    SpikeFileError
        If the file breaks a rule of the spike-file format or is too large.
    OSError
        If the file cannot be read.
    """
    text = _read_text(path_or_file, max_bytes, SpikeFileError, "spike file")
    return loads_spikes(text, model=model, kind=kind, ticks=ticks)


def save_spikes(spikes, path, model=None, kind="outputs"):
    """Write spike trains to ``path`` as a spike file, atomically.

    Parameters
    ----------
    spikes : dict of str to (n, 2) array_like of int
    path : str or path-like
    model : ChipModel, optional
        Check ports and indices against the model's ``kind`` ports first.
    kind : {"inputs", "outputs"}, optional

    Raises
    ------
    SpikeFileError
        If the spikes break a rule (nothing is written then).
    """
    write_atomic(path, _spike_file_pieces(_checked_trains(spikes, model, kind)))


__all__ = [
    "MAX_CORES",
    "MAX_FILE_BYTES",
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "crossbar_from_rows",
    "crossbar_to_rows",
    "dumps_model",
    "dumps_spikes",
    "load_model",
    "load_spikes",
    "loads_model",
    "loads_spikes",
    "model_from_dict",
    "model_to_dict",
    "port_sizes",
    "save_model",
    "save_spikes",
    "spikes_from_dict",
    "spikes_to_dict",
    "write_atomic",
]
