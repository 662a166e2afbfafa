"""The IR: weight codes, groups and the deferred edges that passes lower in place."""

import numpy as np
import pytest

from nengo_truenorth.ir import (
    SIXTEEN_LEVELS,
    TRINARY,
    ChipGraph,
    Edge,
    FilteredEdge,
    FloatEdge,
    NeuronGroup,
    axons_per_level,
    weight_code,
)


def group(n, label):
    return NeuronGroup(n, label, params={"threshold": 64}, code=None)


def test_deferred_edges_are_replaced_where_they_stood():
    graph = ChipGraph()
    a = graph.add_group(group(2, "a"))
    deferred = graph.defer(FilteredEdge(a, a, np.eye(2), 1, None, "nearest", 0.1))
    c = graph.add_group(group(2, "c"))
    plain = graph.add_float_edge(FloatEdge(a, c, np.ones((2, 2))))
    with pytest.raises(ValueError, match="not lowered"):
        graph.check_lowered()
    x, y = group(1, "x"), group(1, "y")
    patch = ChipGraph(groups=[x, y], float_edges=[FloatEdge(x, y, [[1.0]])])
    graph.replace({deferred: patch})
    assert graph.groups == [a, x, y, c]
    assert graph.float_edges[1] is plain and graph.float_edges[0].pre is x
    graph.check_lowered()


def test_weight_codes_write_their_levels_with_their_axons():
    assert list(SIXTEEN_LEVELS.levels) == list(range(-8, 8))
    assert list(TRINARY.levels) == [-1, 0, 1]
    assert weight_code(1) is TRINARY and weight_code(4) == SIXTEEN_LEVELS
    assert list(weight_code(2).levels) == [-2, -1, 0, 1]
    # level 7 = 1 + 2 + 4 takes three axons; -8 one; 0 none
    np.testing.assert_array_equal(
        axons_per_level(SIXTEEN_LEVELS, np.array([7, -8, 0, -1])), [3, 1, 0, 4]
    )
    with pytest.raises(ValueError, match="outside 1..4"):
        weight_code(5)


def test_an_integer_edge_of_the_wrong_shape_is_refused():
    graph = ChipGraph()
    a, b = graph.add_group(group(2, "a")), graph.add_group(group(3, "b"))
    with pytest.raises(ValueError, match="levels have shape"):
        graph.add_edge(Edge(a, b, np.zeros((2, 2), dtype=int)))
