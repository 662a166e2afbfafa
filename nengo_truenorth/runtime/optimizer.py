"""Nengo's operator optimizer, without its quadratic scans over ops that cannot merge.

``nengo.builder.optimizer.optimize`` merges operators of one type pass after pass; in
each pass it tries every op against every later op of its group. A model with a
chip often has hundreds or thousands of host inputs from one node into chip
ensembles, whose ``ElementwiseInc`` products all read the node's output: no two of
them can ever merge (ops that merge must not share a signal), yet each pass tries all
pairs (a cProfile of the 4,096-core benchmark chain put 138 of its 195 s there).

:func:`optimize` is Nengo's ``optimize``, run with :class:`SkippingOpMergePass` for
its pass: a group of ops in which one signal is used by every op is not scanned pair
by pair; only the bookkeeping that Nengo's pairwise loop does for ops that merge with
nothing is done. Nengo's merge check (``Merger.check_signals``) refuses every pair of
such a group, so the merges, the operators, the signals and the dependency graph are
exactly Nengo's. Types whose merger replaces that check (``DotInc``) always go
through Nengo's pairwise loop.

:func:`optimize_model` is what ``nengo.Simulator.__init__`` does with
``optimize=True`` (the dependency graph, then the optimizer, in a progress stage named
as Nengo's), for ``nengo_truenorth.Simulator`` to run before it calls
``nengo.Simulator.__init__`` with ``optimize=False``. Nothing of Nengo is replaced,
not even for a moment: a ``nengo.Simulator`` built meanwhile (another thread) runs
Nengo's own optimizer.

What this relies on in Nengo (pinned to 4.1.0 in setup.cfg; each point is tested in
``tests/test_optimizer.py`` and ``tests/test_nengo_unpatched.py``):

- Nengo's code runs unchanged, none of it copied: ``optimize`` and
  ``OpMergePass.__call__`` are called as new function objects over Nengo's own code
  objects (:func:`nengo_code`), whose globals are a copy of
  ``nengo.builder.optimizer``'s with one name bound to ours: ``OpMergePass`` (in
  ``optimize``) to :class:`SkippingOpMergePass`, ``transitive_closure`` (in
  ``OpMergePass.__call__``) to this module's :func:`transitive_closure`. Nengo's
  module and functions are untouched. Should a later Nengo no longer look those names
  up, its code runs as it is (Nengo's results, only slower) and a warning says so.
- ``OpMergePass``'s public methods and attributes: ``perform_merges_for_view_subset``
  (overridden for skipped groups), ``dg`` (a ``BidirectionalDAG``, replaced by a
  :class:`MergingDAG` over the same dicts) and ``OpMerger.mergers`` /
  ``Merger.check_signals``, the registry and the default check that Nengo's mergers
  are declared with.
- What Nengo 4.1.0's ``OpMergePass.perform_merges_for_view_subset`` does to an op
  that merges with nothing (:meth:`SkippingOpMergePass._mark_unmergeable`: in a
  views-only pass, an op not blocked by the pass's earlier merges leaves
  ``might_merge``), restated in a few lines, not copied. ``tests/test_optimizer.py``
  runs Nengo's loop on every group the pass skips and compares the pass's state.
  (Calling Nengo's loop on each op of the group alone gives the same without
  restating it, but builds an ``OpsToMerge`` per op, with a copy of the op's
  dependents: 10 % more optimizer time on the 4,096-core benchmark chain.)
"""

import types
import warnings

import nengo.builder.optimizer as nengo_optimizer
from nengo.builder.optimizer import Merger, OpMergePass, OpMerger
from nengo.utils.graphs import BidirectionalDAG, toposort
from nengo.utils.progress import Progress, ProgressTracker
from nengo.utils.simulator import operator_dependency_graph


def nengo_code(function, **names):
    """``function``, Nengo's code unchanged, with global ``names`` bound to others.

    A new function over ``function``'s code object, whose globals are a copy of its
    module's with ``names`` replaced: neither the module nor ``function`` changes, so
    any other caller (another thread) still gets Nengo's. A name that ``function``'s
    code does not look up is a Nengo that no longer works as this module expects:
    ``function`` itself is returned (Nengo's behaviour), with a warning.
    """
    code = function.__code__
    missing = sorted(set(names) - set(code.co_names))
    if missing:
        warnings.warn(
            f"{function.__module__}.{function.__qualname__} no longer looks up "
            f"{', '.join(missing)}; running Nengo's code as it is (the same results, "
            "without nengo_truenorth's speed-ups)",
            RuntimeWarning,
            stacklevel=2,
        )
        return function
    namespace = dict(function.__globals__)
    namespace.update(names)
    rebound = types.FunctionType(
        code, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    rebound.__kwdefaults__ = function.__kwdefaults__
    rebound.__qualname__ = function.__qualname__
    return rebound


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


def transitive_closure(edges, topo_sorted=None):
    """Every vertex's direct and indirect dependents, as frozensets.

    Nengo's ``transitive_closure`` gives the same sets as ``FrozenOrderedSet``s, which
    hash and compare in Python (a cProfile of the 4,096-core chain put 3.3 s of a
    1 s-per-pass closure in their ``__hash__``). The optimizer only tests membership,
    disjointness and takes unions of these sets, never their order, so builtin
    frozensets give it the same answers. Equal sets are shared, as in Nengo.
    """
    if topo_sorted is None:
        topo_sorted = toposort(edges)
    shared = {}
    reachable = {}
    for vertex in reversed(topo_sorted):
        children = edges[vertex]
        found = set(children)
        for child in children:
            found |= reachable[child]
        found = frozenset(found)
        reachable[vertex] = shared.setdefault(found, found)
    return reachable


class SkippingOpMergePass(OpMergePass):
    """An :class:`~nengo.builder.optimizer.OpMergePass` that skips hopeless groups.

    It also merges graph vertices with :class:`MergingDAG` and finds each pass's
    dependents with :func:`transitive_closure`.
    """

    def __init__(self, dg):
        super().__init__(dg)
        self.dg = MergingDAG.of(self.dg)

    def __call__(self, only_merge_ops_with_view):
        # Nengo's pass, its dependents found by this module's closure
        nengo_code(OpMergePass.__call__, transitive_closure=transitive_closure)(
            self, only_merge_ops_with_view
        )

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
        """What Nengo's loop does to the ops of a group when none of them merges.

        Nengo 4.1.0's ``perform_merges_for_view_subset``, for an op that merges with
        nothing: in a views-only pass, an op not blocked by an earlier merge of this
        pass (it is in ``merged`` or ``merged_dependents``, or one of its
        ``dependents`` is in ``merged``) leaves ``might_merge``; otherwise nothing
        changes. Nothing merges here, so no op's turn changes another's.
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

    Nengo's ``optimize`` itself, with :class:`SkippingOpMergePass` for its pass (see
    the module notes): the same passes, stopping rule and results; only groups of
    ops that share a signal, which can never merge, are not scanned pair by pair.

    Parameters
    ----------
    model : nengo.builder.Model
    dg : dict
        The operator dependency graph; modified in place, as by Nengo.
    """
    nengo_code(nengo_optimizer.optimize, OpMergePass=SkippingOpMergePass)(model, dg)


def optimize_model(model, progress_bar=False):
    """What ``nengo.Simulator.__init__`` does for ``optimize=True``, with our optimizer.

    The operator dependency graph of ``model.operators``, then :func:`optimize`,
    shown as Nengo shows it ("Building (running optimizer)", then "Optimization").
    ``nengo.Simulator.__init__`` with ``optimize=False`` then does the rest: it finds
    the graph of the merged operators (the same edges as the optimizer's graph) and
    orders, initializes and resets them. Finding that graph again is the one cost of
    not replacing Nengo's optimizer inside its ``__init__``: Nengo's
    ``operator_dependency_graph`` compares every pair of views written and read on
    one merged signal (the host's inputs into chip ensembles are one view each of a
    few such signals): 0.1 s for the 999-core benchmark chain, 2 s for the 4,096-core
    one.

    Parameters
    ----------
    model : nengo.builder.Model
        A built model; its operators and signals are replaced by the merged ones.
    progress_bar : bool or ProgressBar, optional
        Closed at the end, as ``ProgressTracker`` does (wrap a bar that Nengo's
        ``__init__`` is to use after this).
    """
    with ProgressTracker(
        progress_bar, Progress("Building (running optimizer)", "Optimization")
    ):
        optimize(model, operator_dependency_graph(model.operators))
