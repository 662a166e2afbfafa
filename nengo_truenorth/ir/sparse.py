"""Edge matrices that are either dense arrays or sparse CSR matrices.

:attr:`FloatEdge.weights <.graph.FloatEdge>` and :attr:`Edge.levels <.graph.Edge>` are
``(post.n, pre.n)`` matrices. The decode and filter paths and the host's values make
small dense arrays; a convolution, a ``Sparse``, identity or elementwise transform
between chip neurons and the host's currents into neurons (one neuron per channel)
make ``scipy.sparse`` CSR matrices, so that a locally connected layer goes from the
front end to the cores without its dense matrix (a 24 x 24 x 8 -> 22 x 22 x 8
convolution would take 143 MB as dense floats, the host's currents into 4,000 neurons
1 GB). The passes and the compiler read edge matrices through the functions below,
which accept both, so each pass reads the same for both kinds.

A zero entry is no synapse, stored or not. Sparse matrices here are *canonical*:
CSR, column indices sorted within each row, no duplicates and no stored zeros
(:func:`csr`); every function that returns a sparse matrix returns a canonical one.
Functions that apply ``f`` to the entries (:func:`map_values`, :func:`rows_all`,
:func:`row_reduce`) apply it to the stored entries only: ``f`` must treat 0 as the
dense path would (``f(0) == 0``, a predicate true for 0, a reduction for which 0 is
neutral), so that both kinds give the same result.

For a given matrix the dense and the sparse forms give the same numbers, bit for
bit: each entry goes through the same floating-point operations in both, and
:func:`stream_uniforms` draws random numbers in the dense form's order.
"""

import numpy as np
import scipy.sparse as sp

#: Rows of uniforms :func:`stream_uniforms` draws at once hold at most this many.
UNIFORM_CHUNK = 1 << 20


def issparse(m):
    """bool: whether ``m`` is a ``scipy.sparse`` matrix (or array)."""
    return sp.issparse(m)


def csr(m, dtype=None):
    """``m`` as a canonical CSR matrix (see the module notes); a copy.

    Parameters
    ----------
    m : sparse matrix or array_like
    dtype : numpy dtype, optional
        Default: ``m``'s own.
    """
    out = sp.csr_matrix(m, dtype=dtype, copy=True)
    out.sum_duplicates()  # sorts the indices too
    out.eliminate_zeros()
    return out


def from_entries(rows, cols, values, shape, dtype=np.float64, unique=False):
    """The canonical CSR matrix with ``values`` at ``(rows, cols)``.

    Where a position repeats, the last of its values counts, as numpy's assignment
    ``dense[rows, cols] = values`` does (not their sum); ``unique=True`` says that
    no position repeats (skips that check).
    """
    rows = np.asarray(rows).ravel()
    cols = np.asarray(cols).ravel()
    values = np.asarray(values, dtype=dtype).ravel()
    n_rows, n_cols = shape
    # numpy wraps negative indices; so do we
    if rows.size and rows.min() < 0:
        rows = np.where(rows < 0, rows + n_rows, rows)
    if cols.size and cols.min() < 0:
        cols = np.where(cols < 0, cols + n_cols, cols)
    if not unique and rows.size > 1:
        flat = rows.astype(np.int64) * n_cols + cols
        if np.unique(flat).size < flat.size:
            # the last occurrence of each position
            _, first_reversed = np.unique(flat[::-1], return_index=True)
            keep = np.sort(flat.size - 1 - first_reversed)
            rows, cols, values = rows[keep], cols[keep], values[keep]
        del flat
    out = sp.csr_matrix((values, (rows, cols)), shape=shape, dtype=dtype)
    out.sum_duplicates()  # sorts the indices (there are no duplicates left)
    out.eliminate_zeros()
    return out


def two_rows(columns, first, second, n_cols):
    """The canonical ``(2, n_cols)`` CSR matrix with ``first`` and ``second`` at
    ``columns`` (distinct) in its two rows: :func:`from_entries` of them, built
    directly (a wide ensemble's relays make thousands).
    """
    columns = np.asarray(columns, dtype=np.int64)
    order = np.argsort(columns, kind="stable")
    columns = columns[order]
    first = np.asarray(first, dtype=np.float64)[order]
    second = np.asarray(second, dtype=np.float64)[order]
    keep_first, keep_second = first != 0, second != 0
    data = np.concatenate([first[keep_first], second[keep_second]])
    indices = np.concatenate([columns[keep_first], columns[keep_second]])
    indptr = np.array([0, keep_first.sum(), data.size], dtype=np.int64)
    out = sp.csr_matrix((data, indices, indptr), shape=(2, n_cols))
    out.has_canonical_format = True
    return out


def as_matrix(m, dtype):
    """An edge matrix of ``dtype``: canonical CSR if ``m`` is sparse, else an
    ndarray (no copy if ``m`` already is one of ``dtype``)."""
    if issparse(m):
        return csr(m, dtype)
    return np.asarray(m, dtype=dtype)


def canonical(m):
    """``m`` itself if it is dense or already canonical CSR, else :func:`csr` of it."""
    if not issparse(m):
        return m
    if (
        m.format == "csr"
        and m.has_canonical_format
        and (m.data.size == 0 or np.all(m.data != 0))
    ):
        return m
    return csr(m)


def to_dense(m):
    """``m`` as an ndarray (for tests and small matrices only)."""
    return m.toarray() if issparse(m) else np.asarray(m)


def size(m):
    """int: the number of entries of the dense form (``n_rows * n_cols``)."""
    n_rows, n_cols = np.shape(m)
    return int(n_rows) * int(n_cols)


def row_indices(m):
    """(nnz,) ndarray: the row of each stored entry of a CSR matrix."""
    return np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))


def entries(m):
    """``(rows, cols, values)`` of the nonzero entries, in row-major order."""
    if issparse(m):
        m = canonical(m)
        return row_indices(m), m.indices.astype(np.int64), m.data
    m = np.asarray(m)
    # flat indices of a boolean array are much faster than 2-D np.nonzero
    flat = np.flatnonzero(m != 0)
    n_cols = m.shape[1]
    return flat // n_cols, flat % n_cols, m.ravel()[flat]


def values(m):
    """The entries to compute on: a sparse matrix's stored values, or the array."""
    return canonical(m).data if issparse(m) else np.asarray(m)


def with_values(m, new):
    """A matrix like ``m`` whose entries (as :func:`values` gave them) are ``new``.

    Entries of a sparse ``m`` that ``new`` makes zero are dropped.
    """
    if not issparse(m):
        return np.asarray(new)
    m = canonical(m)
    out = sp.csr_matrix(
        (np.asarray(new), m.indices.copy(), m.indptr.copy()), shape=m.shape
    )
    out.has_sorted_indices = True
    out.eliminate_zeros()
    return out


def map_values(m, f):
    """``f`` applied to each entry (to the stored ones of a sparse ``m``:
    ``f(0)`` must be 0)."""
    return with_values(m, f(values(m)))


def has_nonzero(m):
    """bool: whether some entry is nonzero."""
    return bool(np.any(values(m) != 0))


def nonzero_columns(m):
    """(k,) ndarray of int64: the columns with a nonzero entry, ascending."""
    if issparse(m):
        m = canonical(m)
        return np.unique(m.indices).astype(np.int64)
    return np.flatnonzero(np.any(np.asarray(m) != 0, axis=0))


def scale_columns(m, scale):
    """``m`` with column ``j`` multiplied by ``scale[j]`` (each entry once, as the
    dense ``m * scale[None, :]``)."""
    scale = np.asarray(scale, dtype=np.float64)
    if issparse(m):
        m = canonical(m)
        return csr(
            sp.csr_matrix((m.data * scale[m.indices], m.indices, m.indptr), m.shape)
        )
    return np.asarray(m) * scale[None, :]


def column_rows(m):
    """(n_cols,) ndarray of int64: the row of each column's one nonzero entry, or
    None where some column has none or several."""
    if issparse(m):
        csc = sp.csc_matrix(canonical(m))
        counts, rows = np.diff(csc.indptr), csc.indices
    else:
        nonzero = np.asarray(m) != 0
        counts, rows = nonzero.sum(axis=0), np.argmax(nonzero, axis=0)
    if not np.all(counts == 1):
        return None
    return np.asarray(rows, dtype=np.int64)


def row_nnz(m):
    """(n_rows,) ndarray of int64: nonzero entries per row."""
    if issparse(m):
        return np.diff(canonical(m).indptr).astype(np.int64)
    return np.count_nonzero(m, axis=1).astype(np.int64)


def row_reduce(m, ufunc, f=None, dtype=None):
    """``ufunc.reduce(f(m), axis=1)``, with 0 for rows (or matrices) without entries.

    Over a sparse ``m`` only the stored entries are reduced: 0 must be neutral for
    the reduction of ``f``'s values (``np.maximum`` of magnitudes, ``np.gcd``,
    ``np.add``).
    """
    n_rows, n_cols = np.shape(m)
    if not issparse(m):
        x = np.asarray(m) if f is None else f(np.asarray(m))
        if n_cols == 0:
            return np.zeros(n_rows, dtype=dtype or x.dtype)
        return ufunc.reduce(x, axis=1).astype(dtype or x.dtype, copy=False)
    m = canonical(m)
    x = m.data if f is None else f(m.data)
    out = np.zeros(n_rows, dtype=dtype or x.dtype)
    filled = np.flatnonzero(np.diff(m.indptr))
    if filled.size:
        # segments of a CSR matrix: each row's entries, consecutive
        out[filled] = ufunc.reduceat(x, m.indptr[filled])
    return out


def row_max_abs(m):
    """(n_rows,) ndarray: the largest magnitude in each row (0 for an empty row)."""
    return row_reduce(m, np.maximum, np.abs, dtype=np.float64)


def row_sum(m):
    """(n_rows,) ndarray: the sum of each row (integers: exact in any order)."""
    return row_reduce(m, np.add)


def rows_all(m, predicate):
    """(n_rows,) ndarray of bool: rows whose every entry satisfies ``predicate``
    (which must hold for 0)."""
    if not issparse(m):
        return np.all(predicate(np.asarray(m)), axis=1)
    m = canonical(m)
    ok = np.ones(m.shape[0], dtype=bool)
    ok[row_indices(m)[~predicate(m.data)]] = False
    return ok


def one_magnitude_per_row(m):
    """Whether every row's nonzero entries share one magnitude (trinary weights
    times a per-row scale), with at least one nonzero entry in the matrix."""
    top = row_max_abs(m)
    if not (top > 0).any():
        return False
    if issparse(m):
        m = canonical(m)
        v, rows = np.abs(m.data), row_indices(m)
        return bool(np.all((v == 0) | (v == top[rows])))
    a = np.abs(np.asarray(m, dtype=np.float64))
    return bool(np.all((a == 0) | (a == top[:, None])))


def scale_rows(m, scale):
    """``scale[:, None] * m``: row ``j`` times ``scale[j]``."""
    scale = np.asarray(scale)
    if not issparse(m):
        return scale[:, None] * m
    m = canonical(m)
    return with_values(m, scale[row_indices(m)] * m.data)


def divide_rows(m, divisor):
    """``m / divisor[:, None]``: row ``j`` divided by ``divisor[j]``."""
    divisor = np.asarray(divisor)
    if not issparse(m):
        return m / divisor[:, None]
    m = canonical(m)
    return with_values(m, m.data / divisor[row_indices(m)])


def floordiv_rows(m, divisor):
    """``m // divisor[:, None]`` (integers)."""
    divisor = np.asarray(divisor)
    if not issparse(m):
        return m // divisor[:, None]
    m = canonical(m)
    return with_values(m, m.data // divisor[row_indices(m)])


def mask_rows(m, keep):
    """``m`` with the rows where ``keep`` is false set to 0."""
    keep = np.asarray(keep, dtype=bool)
    if not issparse(m):
        return np.where(keep[:, None], m, 0)
    m = canonical(m)
    return with_values(m, np.where(keep[row_indices(m)], m.data, 0))


def zero_columns(m, columns):
    """A copy of ``m`` with ``columns`` set to 0."""
    if not issparse(m):
        out = np.array(m, copy=True)
        out[:, columns] = 0
        return out
    m = canonical(m)
    drop = np.zeros(m.shape[1], dtype=bool)
    drop[columns] = True
    return with_values(m, np.where(drop[m.indices], 0, m.data))


def keep_columns(m, columns, sparse=False):
    """A copy of ``m`` with every column but ``columns`` set to 0 (same shape).

    A dense ``m`` gives a dense copy, or with ``sparse=True`` the canonical CSR
    matrix of the same entries (read from ``columns`` only: a few columns of a wide
    matrix cost what they hold, not the matrix's size).
    """
    if not issparse(m) and sparse:
        columns = np.unique(np.arange(np.shape(m)[1])[columns])
        block = np.asarray(m)[:, columns]
        rows, cols, vals = entries(block)
        return from_entries(
            rows, columns[cols], vals, np.shape(m), block.dtype, unique=True
        )
    if not issparse(m):
        out = np.zeros(np.shape(m), dtype=np.asarray(m).dtype)
        out[:, columns] = np.asarray(m)[:, columns]
        return out
    m = canonical(m)
    keep = np.zeros(m.shape[1], dtype=bool)
    keep[columns] = True
    return with_values(m, np.where(keep[m.indices], m.data, 0))


def take_columns(m, columns):
    """``m[:, columns]``: the columns, in that order (a sparse ``m`` stays sparse)."""
    if not issparse(m):
        return np.asarray(m)[:, columns]
    return csr(canonical(m)[:, np.asarray(columns, dtype=np.int64)])


def place_columns(m, columns, n_cols):
    """The ``(n_rows, n_cols)`` matrix whose column ``columns[k]`` is ``m``'s column
    ``k``, zeros elsewhere (a repeated column gets the last of its sources, as
    numpy's assignment gives it)."""
    columns = np.arange(n_cols)[columns]
    if not issparse(m):
        m = np.asarray(m)
        out = np.zeros((m.shape[0], n_cols), dtype=np.result_type(m.dtype, np.float64))
        out[:, columns] = m
        return out
    if m.shape[1] == n_cols and np.array_equal(columns, np.arange(n_cols)):
        return canonical(m)
    rows, cols, vals = entries(m)
    keep = _last_sources(columns)[cols]
    return from_entries(
        rows[keep],
        columns[cols[keep]],
        vals[keep],
        (m.shape[0], n_cols),
        m.dtype,
        unique=True,
    )


def place_rows(m, rows, n_rows):
    """The ``(n_rows, n_cols)`` matrix whose row ``rows[k]`` is ``m``'s row ``k``,
    zeros elsewhere (a repeated row gets the last of its sources)."""
    rows = np.arange(n_rows)[rows]
    if not issparse(m):
        m = np.asarray(m)
        out = np.zeros((n_rows, m.shape[1]), dtype=np.result_type(m.dtype, np.float64))
        out[rows] = m
        return out
    if m.shape[0] == n_rows and np.array_equal(rows, np.arange(n_rows)):
        return canonical(m)
    r, cols, vals = entries(m)
    keep = _last_sources(rows)[r]
    return from_entries(
        rows[r[keep]],
        cols[keep],
        vals[keep],
        (n_rows, m.shape[1]),
        m.dtype,
        unique=True,
    )


def _last_sources(targets):
    """(k,) bool: whether source ``i`` is the last one sent to ``targets[i]``."""
    targets = np.asarray(targets)
    _, first_reversed = np.unique(targets[::-1], return_index=True)
    last = np.zeros(targets.size, dtype=bool)
    last[targets.size - 1 - first_reversed] = True
    return last


def diag(v, sparse=False):
    """The square matrix with ``v`` on its diagonal (CSR if ``sparse``)."""
    v = np.asarray(v, dtype=np.float64)
    if not sparse:
        return np.diag(v)
    n = v.size
    return from_entries(np.arange(n), np.arange(n), v, (n, n))


def hstack(blocks):
    """Blocks side by side (1-D arrays are columns): CSR if any block is sparse."""
    if not any(issparse(b) for b in blocks):
        return np.column_stack(blocks)
    return csr(
        sp.hstack(
            [b if issparse(b) else np.asarray(b).reshape(len(b), -1) for b in blocks],
            format="csr",
        )
    )


def vstack(blocks):
    """Blocks one above the other: CSR if any block is sparse."""
    if not any(issparse(b) for b in blocks):
        return np.vstack(blocks)
    return csr(sp.vstack(blocks, format="csr"))


def column(m, i):
    """Column ``i``: a 1-D array of a dense ``m``, an ``(n, 1)`` CSR matrix of a
    sparse one (scalar ``*`` and ``/`` work on both)."""
    if not issparse(m):
        return np.asarray(m)[:, i]
    return take_columns(m, [i])


class ColumnReader:
    """Reads single columns of edge matrices, sparse ones without densifying them.

    A CSR matrix is converted to CSC once (per matrix object) for column access.
    """

    def __init__(self):
        self._csc = {}

    def _by_column(self, m):
        held = self._csc.get(id(m))
        if held is None or held[0] is not m:
            held = (m, sp.csc_matrix(canonical(m)))
            held[1].sort_indices()
            self._csc[id(m)] = held
        return held[1]

    def entries(self, m, i):
        """``(rows, values)`` of column ``i``'s nonzero entries, rows ascending."""
        if not issparse(m):
            col = np.asarray(m)[:, i]
            rows = np.flatnonzero(col)
            return rows, col[rows]
        c = self._by_column(m)
        start, stop = c.indptr[i], c.indptr[i + 1]
        vals = c.data[start:stop]
        keep = vals != 0
        return c.indices[start:stop][keep].astype(np.int64), vals[keep]

    def dense(self, m, i):
        """Column ``i`` as a dense ``(n_rows,)`` array."""
        if not issparse(m):
            return np.asarray(m)[:, i]
        rows, vals = self.entries(m, i)
        out = np.zeros(m.shape[0], dtype=m.dtype)
        out[rows] = vals
        return out

    def forget(self, m):
        self._csc.pop(id(m), None)


def stream_uniforms(m, rng):
    """Uniforms on [0, 1) for the entries :func:`values` gives, drawn as
    ``rng.random_sample(shape)`` draws them for the dense form.

    A dense ``m`` gets exactly that draw. A sparse one gets, at each stored entry,
    the number the dense draw would put there: the dense-shaped draw is made a few
    rows at a time (at most :data:`UNIFORM_CHUNK` numbers), so the generator ends
    in the same state and memory stays bounded. Stochastic rounding of a sparse
    edge thus gives the same integers as of its dense form.
    """
    shape = np.shape(m)
    if not issparse(m):
        return rng.random_sample(shape)
    m = canonical(m)
    n_rows, n_cols = shape
    out = np.empty(m.data.size)
    if n_cols == 0:
        return out
    rows = row_indices(m)
    step = max(1, UNIFORM_CHUNK // n_cols)
    for r0 in range(0, n_rows, step):
        r1 = min(r0 + step, n_rows)
        draw = rng.random_sample((r1 - r0, n_cols))
        lo, hi = m.indptr[r0], m.indptr[r1]
        out[lo:hi] = draw[rows[lo:hi] - r0, m.indices[lo:hi]]
    return out
