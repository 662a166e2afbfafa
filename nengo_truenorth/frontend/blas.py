"""One BLAS thread for the build's many small linear algebra problems.

A chip build solves one decoder per decoded connection: a ``(n_eval, n)`` activity
matrix, ``A.T @ A`` and a Cholesky factorization of ``n x n`` (``n`` = 256 or so).
OpenBLAS spreads each of these small problems over every core, and its threads
busy-wait for one another; whenever the machine has anything else to do, one solve
takes 20 to 40 times as long as on a single thread (on a 2-core machine under load,
Nengo's ``LstsqL2`` on a ``750 x 256`` matrix took 176 ms with OpenBLAS's threads and
4 ms with one). :func:`single_blas_thread` runs a block of code with one thread in
every BLAS library the process has loaded (NumPy's and SciPy's each have their own),
through ``threadpoolctl``, which restores their settings afterwards.
"""

from threadpoolctl import ThreadpoolController

try:
    # SciPy's BLAS is loaded when a solver first imports it; load it now, so that
    # its threads are limited too (SciPy is optional: without it, NumPy's is all)
    import scipy.linalg  # noqa: F401
except ImportError:  # pragma: no cover
    pass


def single_blas_thread():
    """A context manager: the ``with`` block runs with every BLAS library on one thread.

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     gram = np.ones((300, 200)).T @ np.ones((300, 200))
    >>> float(gram[0, 0])
    300.0
    """
    return _controller().limit(limits=1, user_api="blas")


def blas_threads():
    """list of int: the thread count of each loaded BLAS library."""
    return [
        info["num_threads"]
        for info in _controller().info()
        if info["user_api"] == "blas"
    ]


_CONTROLLER = []


def _controller():
    """One ``ThreadpoolController`` for the process, made on first use.

    Making one scans the loaded libraries (about a millisecond), which would
    otherwise be paid on every decoder solve.
    """
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]
