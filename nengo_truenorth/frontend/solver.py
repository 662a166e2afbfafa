"""Decoder solves for chip ensembles: the chip's tuning curves, each solve done once.

A connection out of a chip ensemble solves its decoders on the chip neurons' steady
rates (:meth:`.ChipEnsemble.rates_at`), not on the rates of the Nengo neuron type the
ensemble names. Connections out of one ensemble often pose the same problem (an
ensemble's recurrent and feed-forward connections, both decoding the identity on the
ensemble's eval points); a build solves each such problem once (:class:`SolveMemo`),
for the solvers whose answer does not depend on their random state.
"""

import logging

import nengo
import numpy as np
from nengo.cache import DecoderCache, NoDecoderCache
from nengo.builder.connection import (
    build_decoders as nengo_build_decoders,
    get_eval_points,
    get_targets,
)
from nengo.exceptions import BuildError
from nengo.rc import rc
from nengo.solvers import Solver
from nengo.transforms import Dense

from ..neurons import TICK_SECONDS
from .blas import single_blas_thread
from ..ir import array_key
from .registry import TrueNorthBuilder

logger = logging.getLogger(__name__)

#: Nengo's solvers that give the same decoders for the same problem whatever their
#: random state (LstsqNoise, LstsqMultNoise and LstsqDrop draw noise or use solvers
#: that may; a user's subclass might): only these solves are shared.
DETERMINISTIC_SOLVERS = (
    nengo.solvers.Lstsq,
    nengo.solvers.LstsqL2,
    nengo.solvers.LstsqL2nz,
    nengo.solvers.LstsqL1,
    nengo.solvers.Nnls,
    nengo.solvers.NnlsL2,
    nengo.solvers.NnlsL2nz,
)


def solves_full_weights(conn):
    """Whether ``conn``'s solver solves for the whole weight matrix.

    True for a non-compositional weight solver (e.g. ``Nnls(weights=True)``) into an
    ensemble; a compositional one (e.g. ``LstsqL2(weights=True)``) gives the same
    weights as decoders times encoders, so it is built as a decoded connection.
    """
    return (
        conn.solver.weights
        and not conn.solver.compositional
        and isinstance(conn.post_obj, nengo.Ensemble)
    )


def post_encoders(model, ens):
    """Scaled encoders of ``ens`` in the units its input is consumed in."""
    if model.on_chip(ens):
        return model.chip_ensembles[ens].scaled_encoders
    return model.params[ens].scaled_encoders


class SolveMemo:
    """Decoders of the solves made so far in a build, by their problem.

    A problem is the pre ensemble, the solver (Nengo solvers compare by their
    parameters), the eval points and the targets, at the model's ``dt``. The pre's
    tuning curves are fixed once it is built, so equal problems have equal answers.
    Decoders are small (``n_pre x size_out``), so the memo keeps them for the build.
    """

    def __init__(self):
        self.solved = {}
        self.hits = 0
        self._scratch = np.zeros(0)

    def scratch(self, shape):
        """A float64 array of ``shape`` for tuning curves that a solve only reads.

        Reused from solve to solve: a fresh ``(n_eval, n_pre)`` array per solve is
        fresh pages each time, which cost more than computing the curves.
        """
        size = int(np.prod(shape))
        if self._scratch.size < size:
            self._scratch = np.empty(size)
        return self._scratch[:size].reshape(shape)

    def release_scratch(self):
        """Let the tuning curves' buffer go (the build is over)."""
        self._scratch = np.zeros(0)

    @staticmethod
    def key(conn, pre, eval_points, targets):
        """The problem of a solve, or None if its answer may be random."""
        if type(conn.solver) not in DETERMINISTIC_SOLVERS:
            return None
        return (pre, conn.solver, array_key(eval_points, targets))

    def solve(self, key, solve):
        """``solve()``, or its answer to an earlier solve of the same ``key``."""
        if key is None:
            return solve()
        if key in self.solved:
            self.hits += 1
        else:
            self.solved[key] = solve()
        decoders, info = self.solved[key]
        # copies: a build may scale its decoders in place
        return decoders.copy(), dict(info)


class TolerantDecoderCache(DecoderCache):
    """Nengo's decoder cache, where an entry that cannot be read is a cache miss.

    Nengo's cache takes a missing or truncated entry for a miss, but any other
    failure to read one escapes as the build's error. Entries are pickles: one
    written under numpy 2 names ``numpy._core``, which numpy 1 lacks, so two
    environments sharing the cache (the project makes two, ``.venv`` and
    ``.venv-dl``) crash each other's builds with ``ModuleNotFoundError``. Here any
    error from reading an entry solves the problem again, and the entry is left as
    it is: it is most likely readable where it was written, and a numpy 1 pickle in
    its place would warn of ``numpy.core`` there. Errors of the solver itself
    propagate as ever. Nengo's class itself is not touched.

    Parameters
    ----------
    readonly : bool, optional
    cache_dir : str, optional
        As for ``nengo.cache.DecoderCache``.
    """

    def wrap_solver(self, solver_fn):
        """``solver_fn`` wrapped for caching; see ``DecoderCache.wrap_solver``.

        Parameters
        ----------
        solver_fn : callable
            ``solver_fn(conn, gain, bias, x, targets, rng=rng)`` returns
            ``(decoders, info)``.

        Returns
        -------
        callable
            Same signature and result.
        """

        def tolerant_solver(conn, gain, bias, x, targets, rng=np.random, **kwargs):
            solved = []

            def solve(*args, **kwargs):
                solved.append(True)  # errors from here on are the solver's own
                return solver_fn(*args, **kwargs)

            cached = DecoderCache.wrap_solver(self, solve)
            try:
                return cached(conn, gain, bias, x, targets, rng=rng, **kwargs)
            except Exception as error:  # any failure to read an entry
                if solved:
                    raise
                logger.warning(
                    "Decoder cache entry for %s cannot be read here (%s: %s); "
                    "solving again",
                    conn,
                    type(error).__name__,
                    error,
                )
            # the failed read drew nothing from rng: the solve is the one a miss runs
            return solver_fn(conn, gain, bias, x, targets, rng=rng, **kwargs)

        return tolerant_solver


def default_decoder_cache():
    """The decoder cache Nengo's settings ask for, tolerant of unreadable entries.

    As ``nengo.cache.get_default_decoder_cache``, with a
    :class:`TolerantDecoderCache` where Nengo would make a ``DecoderCache``.

    Returns
    -------
    TolerantDecoderCache or nengo.cache.NoDecoderCache
    """
    if rc["decoder_cache"].getboolean("enabled"):
        return TolerantDecoderCache(rc["decoder_cache"].getboolean("readonly"))
    return NoDecoderCache()


@TrueNorthBuilder.register(Solver)
def build_solver(model, solver, conn, rng):
    """Solve decoders; for chip ensembles, with the chip neurons' tuning curves.

    As in Nengo, a non-compositional weight solver (e.g. ``Nnls(weights=True)``) gets
    targets that already hold the transform and the post's encoders, and solves for the
    whole ``(n_post, n_pre)`` weight matrix; for a post on the chip, that matrix is in
    chip drive per unit of activity.
    """
    pre = conn.pre_obj
    if not model.on_chip(pre):
        return nengo_build_decoders(model, conn, rng)
    pre_chip = model.chip_ensembles[pre]
    eval_points = get_eval_points(model, conn, rng)
    targets = get_targets(conn, eval_points, dtype=rc.float_dtype)
    if solves_full_weights(conn):
        if not isinstance(conn.transform, Dense):
            raise BuildError(
                "Non-compositional solvers only work with Dense transforms"
            )
        transform = conn.transform.sample(rng=rng)
        targets = np.dot(targets, transform.T)
        post_enc = post_encoders(model, conn.post_obj)
        targets = np.dot(targets, post_enc.T[conn.post_slice])
    dt = model.dt
    n_points = len(eval_points)
    memo = model.solve_memo
    # Nengo's own solvers keep nothing of the activities: those share one buffer
    reuse = type(conn.solver) in DETERMINISTIC_SOLVERS

    def solve_for_chip_decoders(conn, gain, bias, problem, targets, rng):
        # `problem` is the eval points over the unit encoders (see below)
        out = memo.scratch((n_points, pre.n_neurons)) if reuse else None
        activities = pre_chip.rates_at(problem[:n_points], dt, out=out)
        if np.count_nonzero(activities) == 0:
            raise BuildError(
                f"Building {conn}: 'activities' matrix is all zero for {pre}. "
                "This is because no evaluation points fall in the firing "
                "ranges of any neurons."
            )
        # a small problem, solved once per connection: one BLAS thread (see .blas);
        # set here, on a cache miss only (setting it costs about a millisecond)
        with single_blas_thread():
            return conn.solver(activities, targets, rng=rng)

    # Nengo's cache key holds the solver, the Nengo neuron type, gains, biases, "x"
    # and targets, but no dt. The chip's gains and biases (potential per tick) never
    # equal Nengo's currents, but the chip's rates depend on dt (one spike per tick at
    # most), so decoders are only cached at the chip's own 1 ms tick. For "x" the key
    # gets the eval points and the encoders that project them (stacked), which fix
    # the projections: hashing those instead (n_points x n_neurons, 1.5 MB for 750
    # points on 256 neurons) took 2-3 s of the 4,096-core build.
    solve = solve_for_chip_decoders
    if model.seeded[conn] and np.isclose(dt, TICK_SECONDS):
        solve = model.decoder_cache.wrap_solver(solve_for_chip_decoders)

    def solve_once():
        problem = np.concatenate([eval_points, pre_chip.unit_encoders])
        return solve(conn, pre_chip.gain, pre_chip.bias, problem, targets, rng=rng)

    key = SolveMemo.key(conn, pre, eval_points, targets)
    decoders, solver_info = memo.solve(key, solve_once)
    return eval_points, decoders.T, solver_info
