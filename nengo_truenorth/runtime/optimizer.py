"""Nengo's operator optimizer, without its quadratic scans over ops that cannot merge.

``nengo.builder.optimizer.optimize`` merges operators of one type pass after pass; in
each pass it tries every op against every later op of its group. A model with a
chip often has hundreds or thousands of host inputs from one node into chip
ensembles, whose ``ElementwiseInc`` products all read the node's output: no two of
them can ever merge (ops that merge must not share a signal), yet each pass tries all
pairs (a cProfile of the 4,096-core benchmark chain put 138 of its 195 s there).

:func:`optimize` is Nengo's algorithm with one shortcut: a group of ops in which one
signal is used by every op is skipped, doing only the bookkeeping that Nengo's
pairwise loop would have done for ops that merge with nothing. Nengo's merge check
(``Merger.check_signals``) refuses every pair of such a group, so the merges, the
operators, the signals and the dependency graph are exactly Nengo's. Types whose
merger replaces that check (``DotInc``) always go through Nengo's loop.
"""

from contextlib import contextmanager

import nengo.simulator
from nengo.builder.optimizer import Merger, OpMergePass, OpMerger
from nengo.utils.graphs import BidirectionalDAG, toposort
from nengo.utils.stdlib import Timer


class MergingDAG(BidirectionalDAG):
    """Nengo's ``BidirectionalDAG`` whose :meth:`merge` is linear in the edges.

    Nengo's merge removes the merged vertices from every neighbour's edge set one
    vertex at a time: merging ``m`` ops that share ``k`` neighbours costs ``k * m``
    (a merge of the 3,340 ``Reset`` ops of the 4,096-core chain, 11 million set
    operations). Here each neighbour's set is scanned instead when it is the smaller;
    the sets that result, and their order, are the same.
    """

    @classmethod
    def of(cls, dag):
        """The same graph (the same dicts) as ``dag``, with this class's merge."""
        new = cls.__new__(cls)
        new.forward, new.backward = dag.forward, dag.backward
        return new

    def merge(self, vertices, merged_vertex):
        vertex_set = set(vertices)
        forward_edges = set()
        for v in vertices:
            forward_edges.update(self.forward[v])
            del self.forward[v]
        self.forward[merged_vertex] = forward_edges

        backward_edges = set()
        for v in vertices:
            backward_edges.update(self.backward[v])
            del self.backward[v]
        self.backward[merged_vertex] = backward_edges

        for e in forward_edges:
            _remove_all(self.backward[e], vertices, vertex_set)
            self.backward[e].add(merged_vertex)
        for e in backward_edges:
            _remove_all(self.forward[e], vertices, vertex_set)
            self.forward[e].add(merged_vertex)


def _remove_all(edges, vertices, vertex_set):
    """``edges.difference_update(vertices)``, iterating the smaller of the two."""
    if len(edges) < len(vertices):
        for v in [v for v in edges if v in vertex_set]:
            edges.discard(v)
    else:
        edges.difference_update(vertices)


def transitive_closure(edges):
    """Every vertex's direct and indirect dependents, as frozensets.

    Nengo's ``transitive_closure`` gives the same sets as ``FrozenOrderedSet``s, which
    hash and compare in Python (a cProfile of the 4,096-core chain put 3.3 s of a
    1 s-per-pass closure in their ``__hash__``). The optimizer only tests membership,
    disjointness and takes unions of these sets, never their order, so builtin
    frozensets give it the same answers. Equal sets are shared, as in Nengo.
    """
    shared = {}
    reachable = {}
    for vertex in reversed(toposort(edges)):
        children = edges[vertex]
        found = set(children)
        for child in children:
            found |= reachable[child]
        found = frozenset(found)
        reachable[vertex] = shared.setdefault(found, found)
    return reachable


class SkippingOpMergePass(OpMergePass):
    """An :class:`~nengo.builder.optimizer.OpMergePass` that skips hopeless groups.

    It also finds each pass's dependents with :func:`transitive_closure`.
    """

    def __init__(self, dg):
        super().__init__(dg)
        self.dg = MergingDAG.of(self.dg)

    def __call__(self, only_merge_ops_with_view):
        # Nengo's pass (nengo 4.1, OpMergePass.__call__) but for the closure
        self.dependents = transitive_closure(self.dg.forward)
        self.only_merge_ops_with_view = only_merge_ops_with_view
        self.merged.clear()
        self.merged_dependents.clear()
        self.opinfo.clear()
        self.perform_merges()

    def perform_merges_for_view_subset(self, subset):
        if len(subset) > 1 and self._no_pair_can_merge(subset):
            self._mark_unmergeable(subset)
            return
        super().perform_merges_for_view_subset(subset)

    @staticmethod
    def _no_pair_can_merge(subset):
        """Whether one signal is used by every op of ``subset`` (all of one type)."""
        merger = OpMerger.mergers.get(type(subset[0]))
        if merger is None or merger.check_signals is not Merger.check_signals:
            return False
        common = set(subset[0].all_signals)
        for op in subset[1:]:
            common.intersection_update(op.all_signals)
            if not common:
                return False
        return True

    def _mark_unmergeable(self, subset):
        """What Nengo's loop does to ops that merge with nothing.

        In a views-only pass, an op that is not blocked by an earlier merge (its own
        or a dependent's) leaves ``might_merge``; nothing merges here, so the blocked
        set is the same for every op of the group.
        """
        if not self.only_merge_ops_with_view:
            return
        for op in subset:
            if op in self.merged:
                continue
            if op in self.merged_dependents or any(
                o in self.merged for o in self.dependents[op]
            ):
                continue
            self.might_merge.remove(op)


def optimize(model, dg):
    """Merge ``model``'s operators as ``nengo.builder.optimizer.optimize`` does.

    The same passes, stopping rule and results as Nengo's (see the module notes);
    only groups of ops that share a signal, which can never merge, are not scanned
    pair by pair.

    Parameters
    ----------
    model : nengo.builder.Model
    dg : dict
        The operator dependency graph; modified in place, as by Nengo.
    """
    single_pass = SkippingOpMergePass(dg)

    n_initial_ops = len(dg)
    cum_duration = 0.0
    before, after = None, None
    only_merge_ops_with_view = True
    # Nengo's loop (nengo 4.1, builder/optimizer.py), verbatim but for the pass class
    while only_merge_ops_with_view or after < before:
        only_merge_ops_with_view = before is None or before != after
        before = len(single_pass.dg.forward)

        with Timer() as t:
            single_pass(only_merge_ops_with_view)

        after = len(single_pass.dg.forward)
        cum_duration += t.duration
        mean_reduction_rate = float(n_initial_ops - after) / cum_duration
        last_reduction_rate = float(before - after) / t.duration
        scaled_rate = 0.01 * mean_reduction_rate
        if 0.0 < last_reduction_rate < scaled_rate:  # pragma: no cover
            break

    for sigdict in model.sig.values():
        for name in sigdict:
            while sigdict[name] in single_pass.sig_replacements:
                sigdict[name] = single_pass.sig_replacements[sigdict[name]]

    del model.operators[:]
    for op in dg:
        model.add_op(op)


@contextmanager
def nengo_simulator_optimizer(optimizer=None):
    """Make ``nengo.Simulator.__init__`` run ``optimizer`` (:func:`optimize`) meanwhile.

    ``nengo.Simulator.__init__`` calls the optimizer it imported at module level, so
    a subclass can only swap it there. Since :func:`optimize` gives Nengo's own
    results, a ``nengo.Simulator`` built meanwhile (another thread) is unaffected.
    """
    original = nengo.simulator.opmerge_optimize
    nengo.simulator.opmerge_optimize = optimize if optimizer is None else optimizer
    try:
        yield
    finally:
        nengo.simulator.opmerge_optimize = original
