"""One BLAS thread for the build's many small linear algebra problems.

A chip build solves one decoder per decoded connection: a ``(n_eval, n)`` activity
matrix, ``A.T @ A`` and a Cholesky factorization of ``n x n`` (``n`` = 256 or so).
OpenBLAS spreads each of these small problems over every core, and its threads
busy-wait for one another; whenever the machine has anything else to do, one solve
takes 20 to 40 times as long as on a single thread (on a 2-core machine under load,
Nengo's ``LstsqL2`` on a ``750 x 256`` matrix took 176 ms with OpenBLAS's threads and
4 ms with one). :func:`single_blas_thread` runs a block of code with one thread in
every OpenBLAS library the process has loaded (NumPy's and SciPy's each have their
own), and restores their settings afterwards. Other BLAS libraries are left alone.
"""

import contextlib
import ctypes
import sys

#: ``(get, set)`` names of OpenBLAS's thread count functions, by symbol prefix and
#: suffix: plain builds, and the ``scipy_``-prefixed builds in NumPy's and SciPy's
#: wheels (``64_``: 64-bit integer interface).
_THREAD_FUNCTIONS = tuple(
    (f"{prefix}openblas_get_num_threads{suffix}",
     f"{prefix}openblas_set_num_threads{suffix}")
    for prefix in ("", "scipy_")
    for suffix in ("", "64_")
)

_controls = None


def _loaded_openblas_paths():
    """Paths of the OpenBLAS libraries mapped into this process (Linux only)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    paths = {line.split()[-1] for line in lines if "openblas" in line.lower()}
    return sorted(path for path in paths if ".so" in path)


def _thread_controls():
    """``(get, set)`` ctypes functions of each loaded OpenBLAS library (cached)."""
    global _controls
    if _controls is None:
        # NumPy's library is loaded on import; load SciPy's as the solvers would
        import scipy.linalg  # noqa: F401

        controls = []
        for path in _loaded_openblas_paths():
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _THREAD_FUNCTIONS:
                get = getattr(library, get_name, None)
                set_ = getattr(library, set_name, None)
                if get is not None and set_ is not None:
                    get.restype, get.argtypes = ctypes.c_int, []
                    set_.restype, set_.argtypes = None, [ctypes.c_int]
                    controls.append((get, set_))
                    break
        _controls = controls
    return _controls


@contextlib.contextmanager
def single_blas_thread():
    """Run the ``with`` block with every loaded OpenBLAS library on one thread.

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     gram = np.ones((300, 200)).T @ np.ones((300, 200))
    >>> float(gram[0, 0])
    300.0
    """
    controls = _thread_controls()
    before = [get() for get, _ in controls]
    for _, set_ in controls:
        set_(1)
    try:
        yield
    finally:
        for (_, set_), n in zip(controls, before):
            set_(n)


def blas_threads():
    """list of int: the thread count of each loaded OpenBLAS library."""
    return [get() for get, _ in _thread_controls()]
