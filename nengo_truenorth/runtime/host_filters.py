"""The host's synapses merged: one vectorized filter step for many of Nengo's.

On the chip's host, what is left of a Nengo model is mostly filtering: each probe of
a chip ensemble and each connection from a host node into the chip filters its
signal on the host, one Nengo ``SimProcess`` per probe or connection. Nengo's
optimizer never merges ``SimProcess`` operators, and each costs a few microseconds
of Python per step: a chain of 64 two-dimensional ensembles spends 128 of them, more
than half its step, where the chip's own tick takes a sixth.

:func:`merge_host_filters` replaces every group of such operators that filter with
the same elementwise ``LinearFilter`` step (Nengo's ``NoX``, ``OneX`` and
``OneXScalar`` steps: no state, or one state element and no passthrough, as
``Lowpass`` has) by one :class:`MergedFilters` operator, which gathers the inputs,
steps the filter once on all of them and scatters the outputs. The per-element
arithmetic is Nengo's own step's, so the outputs are the same to the bit; the
filters' states live in one signal, which Nengo resets, copies and pickles like any
other.
"""

import numpy as np
from nengo.builder.operator import Operator
from nengo.builder.processes import SimProcess
from nengo.builder.signal import Signal
from nengo.synapses import LinearFilter

#: Nengo's ``LinearFilter`` steps whose arithmetic is elementwise: a merged step
#: computes each element as the op's own step would.
ELEMENTWISE_STEPS = (LinearFilter.NoX, LinearFilter.OneX)


class MergedFilters(Operator):
    """Several of Nengo's ``SimProcess`` filters (mode ``"update"``) as one operator.

    Parameters
    ----------
    ops : list of nengo.builder.processes.SimProcess
        Ops with equal processes and :data:`ELEMENTWISE_STEPS` steps, each with an
        input.
    state : Signal or None
        The filters' states end to end, ``(n_states, total size)``; None for filters
        without state.
    tag : str, optional

    Notes
    -----
    1. reads ``[t] + inputs``
    2. updates ``outputs + [state]``
    """

    def __init__(self, ops, state, tag=None):
        super().__init__(tag=tag)
        self.process = ops[0].process
        self.n_inputs = len(ops)
        self.reads = [ops[0].t] + [op.input for op in ops]
        self.sets, self.incs = [], []
        self.updates = [op.output for op in ops] + ([] if state is None else [state])

    @property
    def inputs(self):
        return self.reads[1:]

    @property
    def outputs(self):
        return self.updates[: self.n_inputs]

    @property
    def _descstr(self):
        return f"{self.process} x {self.n_inputs}"

    def make_step(self, signals, dt, rng):
        t = signals[self.reads[0]]
        inputs = [signals[s] for s in self.inputs]
        outputs = [signals[s] for s in self.outputs]
        sizes = [x.size for x in inputs]
        total = int(np.sum(sizes))
        if len(self.updates) > self.n_inputs:
            state = signals[self.updates[-1]]
        else:
            state = np.zeros((0, total), dtype=outputs[0].dtype)
        step_f = self.process.make_step((total,), (total,), dt, None, {"X": state})
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        parts = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
        gathered = np.empty(total, dtype=outputs[0].dtype)

        def step_merged_filters():
            for x, part in zip(inputs, parts):
                gathered[part] = x
            y = step_f(t.item(), gathered)
            for out, part in zip(outputs, parts):
                out[...] = y[part]

        return step_merged_filters


def _elementwise_step(op, dt):
    """Whether ``op``'s filter steps elementwise (and so may be merged)."""
    process = op.process
    if not isinstance(process, LinearFilter):
        return False
    states = op.state
    if set(states) != {"X"}:
        return False
    X = np.zeros(states["X"].shape, dtype=states["X"].dtype)
    shape = op.output.shape
    step = process.make_step(shape, shape, dt, None, {"X": X})
    return isinstance(step, ELEMENTWISE_STEPS)


def _group_key(op):
    p = op.process
    return (
        type(p),
        tuple(np.ravel(p.num)),
        tuple(np.ravel(p.den)),
        p.analog,
        getattr(p, "method", None),
        op.output.dtype,
        op.reads[0],
    )


def _mergeable(op, dt):
    return (
        type(op) is SimProcess
        and op.mode == "update"
        and op.input is not None
        and op.output.ndim == 1
        and op.input.shape == op.output.shape
        and _elementwise_step(op, dt)
    )


def merge_host_filters(model, min_group=2):
    """Replace groups of elementwise ``LinearFilter`` ops of ``model`` by one
    :class:`MergedFilters` each (in place).

    Parameters
    ----------
    model : nengo.builder.Model
        Built (and optimized); its ``operators`` list is rewritten.
    min_group : int, optional
        Groups smaller than this stay as they are.

    Returns
    -------
    int
        The operators replaced.
    """
    groups = {}
    for op in model.operators:
        if _mergeable(op, model.dt):
            groups.setdefault(_group_key(op), []).append(op)
    replaced = set()
    merged = []
    for ops in groups.values():
        if len(ops) < min_group:
            continue
        merged.append(MergedFilters(ops, _merged_state(ops), tag="host filters"))
        replaced.update(map(id, ops))
    if merged:
        model.operators[:] = [
            op for op in model.operators if id(op) not in replaced
        ] + merged
    return len(replaced)


def _merged_state(ops):
    """One signal holding the ops' filter states end to end (None if stateless)."""
    states = [op.state["X"] for op in ops]
    if states[0].shape[0] == 0:
        return None
    initial = np.concatenate(
        [np.asarray(s.initial_value).reshape(s.shape[0], -1) for s in states], axis=1
    )
    return Signal(initial_value=initial, name="host filter states")
