"""The build's operator optimizer: Nengo's merges, without hopeless pairwise scans."""

import nengo
import numpy as np
from nengo.builder.optimizer import OpMergePass
from nengo.simulator import operator_dependency_graph

from nengo_truenorth.builder import Model
from nengo_truenorth.builder import optimizer as fast_optimizer
from nengo_truenorth.builder.optimizer import SkippingOpMergePass


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
        model.finalize_chip()
    return model


class CheckedPass(SkippingOpMergePass):
    """Where the pass skips a group, also run Nengo's loop and compare."""

    skipped = 0

    def perform_merges_for_view_subset(self, subset):
        if not (len(subset) > 1 and self._no_pair_can_merge(subset)):
            return super().perform_merges_for_view_subset(subset)
        type(self).skipped += 1
        might_merge = set(self.might_merge)
        self._mark_unmergeable(subset)
        skipping_result = set(self.might_merge)
        self.might_merge = might_merge
        n_ops = len(self.dg.forward)
        OpMergePass.perform_merges_for_view_subset(self, subset)
        assert len(self.dg.forward) == n_ops, "Nengo merged ops of a skipped group"
        assert self.might_merge == skipping_result
        return None


def test_skipped_groups_are_those_nengo_cannot_merge(monkeypatch):
    monkeypatch.setattr(fast_optimizer, "SkippingOpMergePass", CheckedPass)
    CheckedPass.skipped = 0
    for on_chip in (True, False):
        model = node_into_ensembles(6, on_chip=on_chip)
        fast_optimizer.optimize(model, operator_dependency_graph(model.operators))
    assert CheckedPass.skipped > 0


def test_simulator_runs_the_skipping_optimizer_and_restores_nengos(monkeypatch):
    import nengo.simulator

    import nengo_truenorth

    original = nengo.simulator.opmerge_optimize
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        for _ in range(3):
            nengo.Connection(stim, nengo.Ensemble(20, 1))
    calls = []

    def spy(model, dg):
        calls.append(len(dg))
        return original(model, dg)

    monkeypatch.setattr(fast_optimizer, "optimize", spy)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(5)
    assert len(calls) == 1
    assert nengo.simulator.opmerge_optimize is original
    with nengo_truenorth.Simulator(net, progress_bar=False, optimize=False):
        pass
    assert len(calls) == 1


def test_merging_dag_merges_as_nengos_dag():
    from nengo.utils.graphs import BidirectionalDAG

    from nengo_truenorth.builder.optimizer import MergingDAG

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


def test_optimize_gives_nengos_operators():
    from nengo.builder.optimizer import optimize as nengo_optimize

    def optimized(optimizer):
        model = node_into_ensembles(5)
        dg = operator_dependency_graph(model.operators)
        optimizer(model, dg)
        # merge order follows set order (object ids), even between two Nengo runs:
        # compare the ops' types and signal shapes
        return sorted(
            (type(op).__name__, [sig.shape for sig in op.all_signals])
            for op in model.operators
        )

    ops = optimized(fast_optimizer.optimize)
    assert ops == optimized(nengo_optimize)
    assert len(ops) < len(node_into_ensembles(5).operators)
