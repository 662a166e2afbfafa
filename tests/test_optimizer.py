"""The build's operator optimizer: Nengo's merges, without hopeless pairwise scans."""

import warnings

import nengo
import nengo.builder.optimizer as nengo_optimizer
import numpy as np
import pytest
from nengo.builder.optimizer import OpMergePass
from nengo.utils.progress import ProgressBar
from nengo.utils.simulator import operator_dependency_graph

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.runtime import optimizer as fast_optimizer
from nengo_truenorth.runtime.optimizer import SkippingOpMergePass
from nengo_truenorth.simulator import build_chip


def node_into_ensembles(n, on_chip=True):
    """A node feeding ``n`` ensembles: ``n`` products that all read the node."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.sin)
        for _ in range(n):
            ens = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
            nengo.Connection(stim, ens, transform=0.5, synapse=0.01)
            nengo.Connection(ens, ens, synapse=0.05)
            nengo.Probe(ens, synapse=0.01)
    model = Model(seed=1) if on_chip else nengo.builder.Model()
    model.build(net)
    if on_chip:
        build_chip(model)
    return model


def pass_state(single_pass):
    return (
        set(single_pass.might_merge),
        set(single_pass.merged),
        set(single_pass.merged_dependents),
        {op: set(edges) for op, edges in single_pass.dg.forward.items()},
    )


class CheckedPass(SkippingOpMergePass):
    """Where the pass skips a group, also run Nengo's pairwise loop and compare."""

    skipped = {True: 0, False: 0}
    dropped = 0  # ops a skipped group's views-only pass dropped from might_merge

    def perform_merges_for_view_subset(self, subset):
        if not (len(subset) > 1 and self._no_pair_can_merge(subset)):
            return super().perform_merges_for_view_subset(subset)
        type(self).skipped[self.only_merge_ops_with_view] += 1
        before = pass_state(self)
        super().perform_merges_for_view_subset(subset)
        skipping = pass_state(self)
        type(self).dropped += len(before[0] - skipping[0])
        self.might_merge = set(before[0])
        OpMergePass.perform_merges_for_view_subset(self, subset)
        assert pass_state(self) == skipping, "Nengo's loop did otherwise"
        assert skipping[1:] == before[1:], "ops of a skipped group merged"
        return None


def test_skipped_groups_are_those_nengo_cannot_merge(monkeypatch):
    monkeypatch.setattr(fast_optimizer, "SkippingOpMergePass", CheckedPass)
    CheckedPass.skipped = {True: 0, False: 0}
    CheckedPass.dropped = 0
    for on_chip in (True, False):
        model = node_into_ensembles(6, on_chip=on_chip)
        fast_optimizer.optimize(model, operator_dependency_graph(model.operators))
    # both kinds of pass skipped groups (a views-only pass drops ops from might_merge)
    assert CheckedPass.skipped[True] > 0
    assert CheckedPass.skipped[False] > 0
    assert CheckedPass.dropped > 0


def test_simulator_runs_the_skipping_optimizer(monkeypatch):
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        for _ in range(3):
            nengo.Connection(stim, nengo.Ensemble(20, 1))
    calls = []
    original = fast_optimizer.optimize

    def spy(model, dg):
        calls.append(len(dg))
        return original(model, dg)

    monkeypatch.setattr(fast_optimizer, "optimize", spy)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(5)
        assert sim.optimize is True
        # Nengo's __init__ ordered the merged operators
        assert set(sim.dg) == set(sim.model.operators)
        assert len(sim.model.operators) < calls[0]
    assert len(calls) == 1
    with nengo_truenorth.Simulator(net, progress_bar=False, optimize=False) as sim:
        assert sim.optimize is False
    assert len(calls) == 1


def test_pickled_simulator_keeps_optimize():
    import pickle

    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(nengo.Node(0.5), ens)
        probe = nengo.Probe(ens, synapse=0.01)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(10)
        copy, probe = pickle.loads(pickle.dumps((sim, probe)))
    with copy:
        assert copy.optimize is True
        copy.run_steps(10)
        assert copy.data[probe].shape == (20, 1)


class RecordingBar(ProgressBar):
    def __init__(self):
        super().__init__()
        self.names = []
        self.closed = 0

    def update(self, progress):
        assert not self.closed
        name = progress.name_after if progress.finished else progress.name_during
        if not self.names or self.names[-1] != name:
            self.names.append(name)

    def close(self):
        self.closed += 1


@pytest.mark.parametrize("optimize", [True, False])
def test_progress_bar_shows_the_optimization_as_nengo_does(optimize):
    """The stage Nengo shows for its optimizer, on the bar of the whole build."""
    with nengo.Network(seed=0) as net:
        nengo.Connection(nengo.Node(0.5), nengo.Ensemble(20, 1))
    bar = RecordingBar()
    nengo_truenorth.Simulator(net, progress_bar=bar, optimize=optimize).close()
    assert ("Optimization" in bar.names) is optimize
    if optimize:
        assert bar.names.index("Optimization") < len(bar.names) - 1
    assert bar.names[-1] == "Build"  # Nengo's own stage, last
    assert bar.closed == 1


def test_nengo_code_rebinds_names_without_changing_nengo():
    call = OpMergePass.__call__
    optimize = nengo_optimizer.optimize
    globals_before = dict(vars(nengo_optimizer))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Nengo still looks these names up
        rebound = fast_optimizer.nengo_code(optimize, OpMergePass=SkippingOpMergePass)
        fast_optimizer.nengo_code(
            call, transitive_closure=fast_optimizer.transitive_closure
        )
    assert rebound is not optimize
    assert rebound.__code__ is optimize.__code__  # Nengo's code, not a copy
    assert rebound.__globals__["OpMergePass"] is SkippingOpMergePass
    assert OpMergePass.__call__ is call
    assert nengo_optimizer.optimize is optimize
    assert vars(nengo_optimizer) == globals_before

    # a Nengo that no longer looks a name up: its function as it is, and a warning
    with pytest.warns(RuntimeWarning, match="no longer looks up"):
        same = fast_optimizer.nengo_code(optimize, NotAName=None)
    assert same is optimize


def test_merging_dag_merges_as_nengos_dag():
    from nengo.utils.graphs import BidirectionalDAG

    from nengo_truenorth.runtime.optimizer import MergingDAG

    def graph():
        # 0..9 feed 10..14; 15 feeds 0..4 (big and small neighbour sets)
        forward = {v: set() for v in range(16)}
        for v in range(10):
            forward[v].update({10 + v % 5, 10 + (v + 1) % 5})
        forward[15].update(range(5))
        return forward

    nengo_dag = BidirectionalDAG(graph())
    ours = MergingDAG.of(BidirectionalDAG(graph()))
    for vertices, merged in ([0, 1, 2, 3, 4, 5, 6], "a"), ([10, 11], "b"):
        nengo_dag.merge(vertices, merged)
        ours.merge(vertices, merged)
        for attr in ("forward", "backward"):
            mine, theirs = getattr(ours, attr), getattr(nengo_dag, attr)
            assert mine.keys() == theirs.keys()
            assert all(list(mine[k]) == list(theirs[k]) for k in mine)


def test_transitive_closure_has_nengos_sets(rng):
    from nengo.utils.graphs import transitive_closure as nengo_closure

    # a random DAG: edges only from lower to higher vertices
    n = 60
    edges = {v: set() for v in range(n)}
    for a, b in rng.randint(0, n, size=(150, 2)):
        if a != b:
            edges[min(a, b)].add(max(a, b))
    ours = fast_optimizer.transitive_closure(edges)
    theirs = nengo_closure(edges)
    assert ours.keys() == theirs.keys()
    assert all(ours[v] == set(theirs[v]) for v in edges)
    assert len(ours[0]) > 1


def summary(model, dg):
    """The ops' types and signal shapes, the signals' and the graph's, in order.

    Merge order follows set order (object ids), even between two Nengo runs, so
    models are compared by what does not depend on it. (Without a chip, a few of
    ``node_into_ensembles``' merges themselves depend on it.)
    """
    ops = sorted(
        (type(op).__name__, [sig.shape for sig in op.all_signals])
        for op in model.operators
    )
    sigs = sorted(
        (type(key).__name__, name, sig.shape)
        for key, sigdict in model.sig.items()
        for name, sig in sigdict.items()
        if sig is not None
    )
    edges = sorted((type(a).__name__, type(b).__name__) for a in dg for b in dg[a])
    return ops, sigs, edges


def test_optimize_gives_nengos_operators():
    def optimized(optimizer):
        model = node_into_ensembles(5)
        dg = operator_dependency_graph(model.operators)
        optimizer(model, dg)
        # what nengo.Simulator.__init__ (optimize=False) then finds: the same graph
        edges = {(a, b) for a in dg for b in dg[a]}
        found = operator_dependency_graph(model.operators)
        assert edges == {(a, b) for a in found for b in found[a]}
        return summary(model, dg)

    ours = optimized(fast_optimizer.optimize)
    assert ours == optimized(nengo_optimizer.optimize)
    assert len(ours[0]) < len(node_into_ensembles(5).operators)
