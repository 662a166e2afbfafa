"""Sparse edges (issue 10): convolutions and ``Sparse`` transforms between chip
neurons go from the front end through the passes to the cores as sparse matrices.

- The front end's convolution matrices (index arithmetic) equal Nengo's own
  convolution operator applied to each unit input, and ``Sparse`` samples become
  the matrices their ``toarray`` gives.
- The helpers of :mod:`nengo_truenorth.ir.sparse` give, on a sparse matrix, what
  they give on its dense form -- stochastic rounding included, with the same draws.
- A network with a sparse transform compiles to the same chip, byte for byte, as
  the same network with that transform's dense matrix.
- A 24 x 24 x 8 -> 22 x 22 x 8 convolution builds without its dense matrix.
"""

import tracemalloc

import nengo
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from nengo.builder.signal import Signal, SignalDict
from nengo.builder.transforms import ConvInc, ConvTransposeInc
from nengo.transforms import ConvolutionTranspose

import nengo_truenorth
from nengo_truenorth.compiler import compile_graph
from nengo_truenorth.compiler.axons import AxonKeys, group_entries
from nengo_truenorth.files import dumps_model
from nengo_truenorth.frontend import Model
from nengo_truenorth.frontend.connection import convolution_csr, sparse_transform
from nengo_truenorth.ir import ChipGraph, Edge, InputGroup, NeuronGroup, sparse
from nengo_truenorth.ir.codes import SIXTEEN_LEVELS, TRINARY, weight_code
from nengo_truenorth.ir.simulate import simulate_graph
from nengo_truenorth.passes import run_passes
from nengo_truenorth.passes.discretize import discretize_group, round_levels
from nengo_truenorth.simulator import build_chip


def convolution_matrix(transform, kernel):
    """The oracle: the dense ``(size_out, size_in)`` matrix found by applying Nengo's
    own convolution operator to each unit input (what the front end built before
    its matrices were sparse)."""
    op_class = (
        ConvTransposeInc if isinstance(transform, ConvolutionTranspose) else ConvInc
    )
    w = Signal(kernel, name="kernel")
    x = Signal(shape=transform.size_in, name="x")
    y = Signal(shape=transform.size_out, name="y")
    signals = SignalDict()
    for sig in (w, x, y):
        signals.init(sig)
    step = op_class(w, x, y, transform).make_step(signals, 0.001, None)
    matrix = np.zeros((transform.size_out, transform.size_in))
    for i in range(transform.size_in):
        signals[x][...] = 0
        signals[x][i] = 1
        signals[y][...] = 0
        step()
        matrix[:, i] = signals[y]
    return matrix


# --- the front end's matrices ----------------------------------------------------


@st.composite
def convolutions(draw):
    """A Convolution or ConvolutionTranspose (any padding, strides, layout, groups;
    transposes with every output shape their input allows) and a kernel with
    some zeros."""
    dims = draw(st.integers(1, 2))
    transpose = draw(st.booleans())
    padding = draw(st.sampled_from(["valid", "same"]))
    channels_last = draw(st.booleans())
    groups = 1 if transpose else draw(st.integers(1, 3))
    n_in = groups * draw(st.integers(1, 3))
    n_filters = groups * draw(st.integers(1, 3))
    kernel_size = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    smallest = [k if padding == "valid" and not transpose else 1 for k in kernel_size]
    spatial = tuple(draw(st.integers(lo, 8)) for lo in smallest)

    def layout(space, channels):
        return space + (channels,) if channels_last else (channels,) + space

    kw = {
        "kernel_size": kernel_size,
        "strides": strides,
        "padding": padding,
        "channels_last": channels_last,
    }
    if transpose:
        out = tuple(
            1 + (n - 1) * s + (k - 1 if padding == "valid" else 0)
            + draw(st.integers(0, s - 1))
            for n, k, s in zip(spatial, kernel_size, strides)
        )
        transform = nengo.ConvolutionTranspose(
            n_filters, layout(spatial, n_in), output_shape=layout(out, n_filters), **kw
        )
    else:
        transform = nengo.Convolution(
            n_filters, layout(spatial, n_in), groups=groups, **kw
        )
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    kernel = transform.sample(rng=rng)
    kernel[rng.rand(*kernel.shape) < 0.2] = 0.0
    return transform, kernel


@settings(max_examples=150, deadline=None)
@given(convolutions())
def test_convolution_csr_is_nengos_convolution(conv):
    transform, kernel = conv
    matrix = convolution_csr(transform, kernel)
    assert sp.issparse(matrix)
    assert matrix.shape == (transform.size_out, transform.size_in)
    assert np.array_equal(matrix.toarray(), convolution_matrix(transform, kernel))
    assert np.all(matrix.data != 0) and matrix.has_canonical_format


@pytest.mark.parametrize("channels_last", [True, False])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [(1, 1), (2, 1), (3, 2)])
def test_convolution_csr_on_a_larger_image(channels_last, padding, strides):
    shape = (9, 7, 4) if channels_last else (4, 9, 7)
    transform = nengo.Convolution(
        6, shape, kernel_size=(3, 4), strides=strides, padding=padding,
        channels_last=channels_last, groups=2,
    )
    kernel = transform.sample(rng=np.random.RandomState(1))
    expected = convolution_matrix(transform, kernel)
    assert np.array_equal(convolution_csr(transform, kernel).toarray(), expected)


def test_convolution_csr_has_one_entry_per_tap_and_channel():
    transform = nengo.Convolution(8, (24, 24, 8), kernel_size=(3, 3))
    matrix = convolution_csr(transform, np.ones(transform.kernel_shape))
    assert matrix.nnz == 22 * 22 * 8 * 3 * 3 * 8


def test_sparse_transforms_become_their_matrices_without_toarray():
    # repeated indices: Nengo's toarray keeps the last value; negative indices wrap
    indices = np.array([[0, 1], [2, 3], [5, 0], [2, 3], [-1, -2], [4, 4]])
    data = np.array([1.0, -0.5, 2.0, 3.0, 0.25, 0.0])
    sample = nengo.Sparse((6, 6), indices=indices, init=data).sample()
    matrix = sparse_transform(sample)
    assert sp.issparse(matrix) and matrix.dtype == np.float64
    assert np.array_equal(matrix.toarray(), sample.toarray())
    assert matrix.nnz == 4  # the zero is no entry
    # a scipy matrix keeps its own meaning (repeated entries add up)
    coo = sp.coo_matrix(([1.0, 2.0, -1.0], ([0, 0, 1], [1, 1, 2])), shape=(3, 4))
    scipy_sample = nengo.Sparse((3, 4), init=coo).sample()
    assert np.array_equal(sparse_transform(scipy_sample).toarray(), coo.toarray())


@pytest.mark.parametrize(
    "transform", [nengo.transforms.NoTransform(3000), 0.5, np.linspace(0.1, 1, 3000)]
)
def test_identity_and_elementwise_transforms_between_neurons_stay_diagonal(transform):
    # a dense 3,000 x 3,000 identity would take 72 MB; the diagonal 3,000 entries
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(3000, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(3000, 1, neuron_type=nengo.SpikingRectifiedLinear())
        conn = nengo.Connection(a.neurons, b.neurons, transform=transform)
    model = Model(dt=0.001, seed=1)
    model.build(net)
    (edge,) = [e for e in model.chip.graph.float_edges if e.obj is conn]
    assert sparse.issparse(edge.weights) and edge.weights.nnz == 3000


# --- the helpers ----------------------------------------------------------------


def random_matrix(rng, shape=(13, 17), density=0.3, integers=False):
    dense = rng.uniform(-2, 2, shape) * (rng.rand(*shape) < density)
    if integers:
        dense = np.round(dense * 3)
    return dense, sparse.csr(dense)


@pytest.mark.parametrize("seed", range(4))
def test_helpers_read_a_sparse_matrix_as_its_dense_form(seed):
    rng = np.random.RandomState(seed)
    dense, csr = random_matrix(rng, density=[0.0, 0.1, 0.5, 1.0][seed])
    same = np.testing.assert_array_equal

    def both(f, *args):
        d, s = f(dense, *args), f(csr, *args)
        same(sparse.to_dense(s), sparse.to_dense(d))
        assert sparse.issparse(s) or np.ndim(s) < 2
        return d, s

    n, m = dense.shape
    cols = rng.choice(m, 5, replace=False)
    scale = rng.uniform(0.5, 2, n)
    both(sparse.nonzero_columns)
    both(sparse.row_nnz)
    both(sparse.row_max_abs)
    both(lambda x: sparse.row_sum(sparse.map_values(x, np.round)))  # integers
    both(sparse.rows_all, lambda v: np.abs(v) < 1.5)
    both(sparse.scale_rows, scale)
    both(sparse.divide_rows, scale)
    both(sparse.mask_rows, rng.rand(n) < 0.5)
    both(sparse.zero_columns, cols)
    both(sparse.keep_columns, cols)
    both(sparse.take_columns, cols)
    both(sparse.map_values, np.round)
    repeated = np.array([3, 0, 3, 7, 1])  # a repeated target: the last source wins
    both(lambda x: sparse.place_columns(sparse.take_columns(x, cols), repeated, 9))
    both(lambda x: sparse.place_rows(sparse.take_columns(x, cols).T, repeated, 9))
    assert sparse.has_nonzero(dense) == sparse.has_nonzero(csr)
    for d, s in zip(sparse.entries(dense), sparse.entries(csr)):
        same(s, d)
    reader = sparse.ColumnReader()
    for i in range(m):
        for d, s in zip(reader.entries(dense, i), reader.entries(csr, i)):
            same(s, d)
        same(reader.dense(csr, i), dense[:, i])


@pytest.mark.parametrize("chunk", [1, 40, 1 << 20])
def test_stream_uniforms_are_the_dense_draws(chunk, monkeypatch):
    monkeypatch.setattr(sparse, "UNIFORM_CHUNK", chunk)
    dense, csr = random_matrix(np.random.RandomState(5), shape=(23, 11))
    rng_dense, rng_sparse = np.random.RandomState(7), np.random.RandomState(7)
    u = rng_dense.random_sample(dense.shape)
    _, cols_, _ = sparse.entries(csr)
    rows = sparse.row_indices(csr)
    assert np.array_equal(sparse.stream_uniforms(csr, rng_sparse), u[rows, cols_])
    # the generator ends where the dense draw leaves it
    assert rng_sparse.random_sample() == rng_dense.random_sample()


@pytest.mark.parametrize("rounding", ["nearest", "stochastic"])
def test_rounding_a_sparse_edge_gives_the_dense_integers(rounding, monkeypatch):
    monkeypatch.setattr(sparse, "UNIFORM_CHUNK", 50)  # several chunks of rows
    dense, csr = random_matrix(np.random.RandomState(2), shape=(31, 19))
    x_dense, x_sparse = 3.3 * dense, sparse.scale_rows(csr, np.full(31, 3.3))
    rng_dense, rng_sparse = np.random.RandomState(3), np.random.RandomState(3)
    q_dense = round_levels(x_dense, -8, 7, rounding, rng_dense)
    q_sparse = round_levels(x_sparse, -8, 7, rounding, rng_sparse)
    assert sparse.issparse(q_sparse) and q_sparse.dtype == np.int64
    assert np.array_equal(q_sparse.toarray(), q_dense)
    assert rng_sparse.random_sample() == rng_dense.random_sample()


@pytest.mark.parametrize("code", [SIXTEEN_LEVELS, TRINARY, weight_code(3)])
@pytest.mark.parametrize("integers", [False, True])
def test_discretizing_sparse_edges_gives_the_dense_results(code, integers):
    rng = np.random.RandomState(4)
    a_dense, a_sparse = random_matrix(rng, (20, 30), 0.2, integers)
    b_dense, b_sparse = random_matrix(rng, (20, 12), 0.6, integers)
    a_dense[3], b_dense[3] = 0.0, 0.0  # a neuron without inputs
    a_sparse, b_sparse = sparse.csr(a_dense), sparse.csr(b_dense)
    bias = np.round(rng.uniform(-3, 3, 20)) if integers else rng.uniform(-3, 3, 20)
    threshold = np.full(20, 64.0)
    results = [
        discretize_group(
            weights, bias, threshold, code, ["stochastic", "nearest"],
            np.random.RandomState(9),
        )
        for weights in ([a_dense, b_dense], [a_sparse, b_sparse])
    ]
    (q_dense, *rest_dense), (q_sparse, *rest_sparse) = results
    for d, s in zip(q_dense, q_sparse):
        assert sparse.issparse(s)
        assert np.array_equal(s.toarray(), d)
    for d, s in zip(rest_dense, rest_sparse):
        assert np.array_equal(s, d)


def test_the_compiler_reads_sparse_levels_as_dense_ones():
    rng = np.random.RandomState(6)
    levels = rng.randint(-8, 8, (40, 50)) * (rng.rand(40, 50) < 0.3)
    entries = []
    for q in (levels, sp.csr_matrix(levels)):
        graph = ChipGraph()
        inp = graph.add_input(InputGroup(50, "in"))
        post = graph.add_group(NeuronGroup(40, "post", code=SIXTEEN_LEVELS))
        edge = graph.add_edge(Edge(inp, post, q))
        entries.append(group_entries(post, [edge], AxonKeys(graph)))
    for field in ("neuron", "local", "columns"):
        assert np.array_equal(getattr(entries[0], field), getattr(entries[1], field))


def random_graph(seed, as_sparse):
    """Groups and inputs joined by sparse-looking, delayed, recurrent edges whose
    levels are dense arrays or (``as_sparse``) CSR matrices; the same numbers."""
    rng = np.random.RandomState(seed)
    graph = ChipGraph()
    units = [graph.add_input(InputGroup(20, "in"))]
    for k, code in enumerate((SIXTEEN_LEVELS, TRINARY, weight_code(3))):
        n = 30 + 40 * k
        units.append(graph.add_group(NeuronGroup(
            n, f"g{k}", code=code, weight_scale=rng.randint(1, 4, n),
            params={"threshold": rng.randint(1, 20, n), "leak": rng.randint(-1, 2, n)},
            to_host=rng.rand(n) < 0.3,
        )))
    for post in units[1:]:
        for pre in (units[0], units[rng.randint(1, len(units))]):
            nonzero = post.code.levels[post.code.levels != 0]
            shape = (post.n, pre.n)
            levels = rng.choice(nonzero, shape) * (rng.rand(*shape) < 0.1)
            levels = sp.csr_matrix(levels) if as_sparse else levels
            graph.add_edge(Edge(pre, post, levels, delay=rng.randint(1, 5)))
    return graph


@pytest.mark.parametrize("seed", range(3))
def test_sparse_graphs_compile_and_run_as_dense_ones(seed):
    dense, sparse_graph = random_graph(seed, False), random_graph(seed, True)
    chips = [compile_graph(g, seed=seed) for g in (dense, sparse_graph)]
    assert dumps_model(chips[0].model) == dumps_model(chips[1].model)
    raster = np.random.RandomState(seed).rand(100, 20) < 0.3
    runs = [
        simulate_graph(g, 100, {g.inputs[0]: raster}, chip.edge_delay)
        for g, chip in zip((dense, sparse_graph), chips)
    ]
    for a, b in zip(dense.groups, sparse_graph.groups):
        assert np.array_equal(runs[0][a], runs[1][b])
    assert any(runs[1][g].any() for g in sparse_graph.groups)


def test_a_level_outside_the_code_is_refused_in_a_sparse_edge():
    graph = ChipGraph()
    inp = graph.add_input(InputGroup(3, "in"))
    post = graph.add_group(NeuronGroup(2, "post", code=TRINARY))
    graph.add_edge(Edge(inp, post, sp.csr_matrix(np.array([[0, 2, 0], [1, 0, 0]]))))
    with pytest.raises(nengo.exceptions.BuildError, match="level 2 cannot be written"):
        compile_graph(graph)


# --- whole networks: sparse and dense compile to the same chip ---------------------


def _kernel(transform, seed):
    kernel = transform.sample(rng=np.random.RandomState(seed))
    kernel[np.random.RandomState(seed + 1).rand(*kernel.shape) < 0.1] = 0.0
    return kernel


def _conv(shape, filters, kernel_size, seed=0, **kw):
    probe = nengo.Convolution(filters, shape, kernel_size=kernel_size, **kw)
    return nengo.Convolution(
        filters, shape, kernel_size=kernel_size, init=_kernel(probe, seed), **kw
    )


def _pairs_sparse():
    """Columns in exactly negated pairs (on/off inputs), fan-in beyond a core."""
    rng = np.random.RandomState(3)
    base = rng.uniform(-1, 1, (20, 150)) * (rng.rand(20, 150) < 0.8)
    pairs = np.empty((20, 300))
    pairs[:, ::2], pairs[:, 1::2] = base, -base
    rows, cols = np.nonzero(pairs)
    return nengo.Sparse((20, 300), indices=np.c_[rows, cols], init=pairs[rows, cols])


LAYERS = {
    # name: (transform, options); the ones marked split overflow a core's axons
    "conv": (lambda: _conv((6, 6, 2), 3, (3, 3)), {}),
    "conv same, strided, channels first, stochastic": (
        lambda: _conv((3, 7, 5), 2, (3, 2), strides=(2, 1), padding="same",
                      channels_last=False),
        {"rounding": "stochastic"},
    ),
    "conv with groups, 3 bits": (
        lambda: _conv((5, 5, 4), 4, (3, 3), groups=2, padding="same"),
        {"weight_bits": 3},
    ),
    "conv transpose": (
        lambda: nengo.ConvolutionTranspose(
            2, (4, 4, 3), kernel_size=(3, 3), strides=(2, 2),
            init=_kernel(nengo.ConvolutionTranspose(2, (4, 4, 3)), 1),
        ),
        {},
    ),
    "sparse, 2 bits, stochastic": (
        lambda: nengo.Sparse(
            (30, 40), indices=np.c_[np.arange(30), np.arange(30) % 40],
            init=np.linspace(-0.3, 0.3, 30),
        ),
        {"weight_bits": 2, "rounding": "stochastic"},
    ),
    "split: fan-in 200 at 16 levels": (lambda: _conv((8, 8, 8), 2, (5, 5)), {}),
    "split: fan-in 200, stochastic, host and decoded inputs too": (
        lambda: _conv((8, 8, 8), 2, (5, 5)), {"rounding": "stochastic", "mixed": True},
    ),
    "split: fan-in 800, trinary": (
        lambda: _conv((6, 6, 32), 2, (5, 5), padding="same"), {"weight_bits": 1},
    ),
    "split: filter neurons (Lowpass)": (
        lambda: _conv((8, 8, 8), 2, (5, 5)), {"synapse": 0.02},
    ),
    "split: proportional columns merged": (
        lambda: _conv((3, 3, 160), 1, (1, 1)), {},
    ),
    "split: on/off pairs": (_pairs_sparse, {}),
}


def layer_network(transform, dense=False, weight_bits=None, rounding=None,
                  synapse=None, mixed=False):
    """chip ensemble -> neurons -> ``transform`` -> neurons of a chip ensemble."""
    if dense:
        matrix = (
            sparse_transform(transform.init) if isinstance(transform, nengo.Sparse)
            else convolution_csr(transform, transform.init)
        )
        transform = nengo.Dense(matrix.shape, init=matrix.toarray())
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        stim = nengo.Node(lambda t: np.sin(5 * t))
        rates = nengo.dists.Uniform(50, 90)
        a = nengo.Ensemble(transform.size_in, 1, max_rates=rates)
        b = nengo.Ensemble(transform.size_out, 1, max_rates=rates)
        nengo.Connection(stim, a)
        conn = nengo.Connection(a.neurons, b.neurons, transform=transform,
                                synapse=synapse)
        if weight_bits is not None:
            net.config[conn].weight_bits = weight_bits
        if rounding is not None:
            net.config[conn].rounding = rounding
        if mixed:
            c = nengo.Ensemble(50, 1)
            nengo.Connection(stim, c)
            nengo.Connection(stim, b)
            nengo.Connection(c, b, transform=0.3)
        nengo.Probe(b.neurons)
    return net


def compiled_chip(net):
    model = Model(dt=0.001, label="layer", seed=1)
    model.build(net)
    build_chip(model)
    return model


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_sparse_and_dense_layers_compile_to_the_same_chip(name, monkeypatch):
    # a convolution's outputs are packed tile by tile, which a Dense transform
    # cannot be (tests/convnet/test_network.py); here only the matrices differ
    monkeypatch.setattr(
        "nengo_truenorth.frontend.connection._order_by_tiles", lambda *args: None
    )
    make, options = LAYERS[name]
    sparse_model = compiled_chip(layer_network(make(), **options))
    dense_model = compiled_chip(layer_network(make(), dense=True, **options))
    graph = sparse_model.chip.graph
    # the sparse build kept the layer's edges sparse, all the way to the compiler
    assert any(sparse.issparse(e.levels) for e in graph.edges)
    # (the fan-in pass's relay edges are sparse in both: they read few columns)
    assert not any(
        sparse.issparse(e.levels)
        for e in dense_model.chip.graph.edges
        if "relays" not in (getattr(e.pre, "role", None), e.post.role)
    )
    relays = [g for g in graph.groups if "relay" in g.label]
    assert bool(relays) == name.startswith("split")
    assert dumps_model(sparse_model.compiled.model) == dumps_model(
        dense_model.compiled.model
    )


def test_a_convolution_into_an_ensemble_builds():
    """Into an ensemble's value (encoders times the transform: dense anyway)."""
    transform = _conv((4, 4, 2), 2, (3, 3))
    with nengo.Network(seed=1) as net:
        a = nengo.Ensemble(transform.size_in, 1)
        b = nengo.Ensemble(40, transform.size_out)
        nengo.Connection(a.neurons, b, transform=transform)
    model = compiled_chip(net)
    assert not any(sparse.issparse(e.levels) for e in model.chip.graph.edges)


# --- a large layer -----------------------------------------------------------------


def test_a_large_convolution_layer_builds_without_its_dense_matrix():
    """24 x 24 x 8 -> 3 x 3 conv (8 filters) -> 22 x 22 x 8, trinary weights.

    Its dense float matrix would take 3872 x 4608 x 8 bytes = 143 MB; the front end
    and the passes, which handle the layer's edges, stay far below a quarter of
    that (about 15 MB at peak), and the whole build below half of it (most of what
    the compiler holds is the chip itself: 347 cores of crossbars and parameters).
    Before edges were sparse, this build peaked above 700 MB.
    """
    transform = nengo.Convolution(8, (24, 24, 8), kernel_size=(3, 3))
    dense_bytes = transform.size_out * transform.size_in * 8
    net = layer_network(transform, weight_bits=1)
    model = Model(dt=0.01, label="conv", seed=1)
    tracemalloc.start()
    try:
        model.build(net)
        nengo_truenorth.frontend.finish_build(model)
        run_passes(model.chip)
        _, edges_peak = tracemalloc.get_traced_memory()
        compiled = compile_graph(model.chip.graph, seed=model.chip.seed)
        _, build_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (edge,) = [e for e in model.chip.graph.edges if sparse.issparse(e.levels)]
    assert edge.levels.shape == (transform.size_out, transform.size_in)
    assert edge.levels.nnz <= 22 * 22 * 8 * 3 * 3 * 8
    assert compiled.stats()["cores"] > 0
    assert edges_peak < dense_bytes / 4
    assert build_peak < dense_bytes / 2
