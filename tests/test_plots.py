"""Activity maps and rasters draw on the Agg backend with the right shapes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nengo_truenorth.energy import reference_activity  # noqa: E402
from nengo_truenorth.plots import (  # noqa: E402
    activity_grid,
    plot_activity,
    plot_spike_raster,
)


def activity_at(coordinates, ticks=10):
    activity = reference_activity(rate_hz=100, n_cores=len(coordinates), ticks=ticks)
    activity.coordinates[:] = coordinates
    activity.synaptic_events[:] = np.arange(1, len(coordinates) + 1) * ticks
    return activity


def test_one_chip_image_is_64_by_64():
    activity = activity_at([[0, 0], [5, 3], [63, 63]])
    ax = plot_activity(activity)
    image = ax.images[0].get_array()
    assert image.shape == (64, 64)
    # rows are y, columns are x; values are events per tick; empty places are masked
    assert image[3, 5] == 2 and image[63, 63] == 3
    assert np.ma.count_masked(image) == 64 * 64 - 3
    assert "synaptic events" in ax.get_title() and "10 ticks" in ax.get_title()
    assert ax.get_xlabel() == "x (core)" and ax.get_ylabel() == "y (core)"
    assert not ax.lines  # no chip boundary on a single chip
    ax.figure.savefig(__import__("io").BytesIO(), format="png")


def test_two_chips_side_by_side_is_64_by_128_with_boundary():
    activity = activity_at([[10, 10], [70, 20]])
    ax = plot_activity(activity, "spikes")
    image = ax.images[0].get_array()
    assert image.shape == (64, 128)
    assert image[20, 70] == pytest.approx(25.6)  # 256 neurons x 100 Hz x 1 ms
    assert [line.get_xdata()[0] for line in ax.lines] == [63.5]
    assert "spikes" in ax.get_title() and "2 chips" in ax.get_title()


def test_chips_stacked_in_y_and_zoomed_region():
    activity = activity_at([[66, 70], [68, 140]])
    grid, origin = activity_grid(activity, region="chips")
    assert grid.shape == (128, 64) and origin == (64, 64)  # chips y = 1, 2
    fig = Figure()
    ax = plot_activity(activity, ax=fig.add_subplot(), region="cores")
    assert ax.figure is fig
    assert ax.images[0].get_array().shape == (71, 3)
    assert [line.get_ydata()[0] for line in ax.lines] == [127.5]


def test_unknown_quantity_is_refused():
    with pytest.raises(ValueError, match="synaptic_events"):
        plot_activity(activity_at([[0, 0]]), quantity="heat")


def test_raster_stacks_ports():
    spikes = {
        "a": np.array([[0, 0], [2, 3], [5, 1]]),
        "b": np.array([[1, 0], [4, 1]]),
        "c": np.zeros((0, 2), dtype=int),
    }
    ax = plot_spike_raster(spikes, sizes={"b": 4})
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 3
    np.testing.assert_array_equal(offsets[1], [[1, 4], [4, 5]])  # after a's 4 rows
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.get_ylim() == (-0.5, 8.5)  # 4 + 4 + 1 rows
    assert ax.get_xlabel() == "tick"


def test_empty_raster():
    ax = plot_spike_raster({})
    assert "no spikes" in [t.get_text() for t in ax.texts]


def test_core_map_colours_cores_by_nengo_object():
    import nengo

    import nengo_truenorth
    from nengo_truenorth.plots import core_owner_names, plot_core_map

    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(300, 1, label="a")
        b = nengo.Ensemble(100, 1, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        nengo.Probe(b)
    # splitter trees, not copies of neurons, so that splitter cores show
    from nengo_truenorth.frontend import Model

    model = Model(options={"copy_neurons": False})
    with nengo_truenorth.Simulator(net, model=model, progress_bar=False) as sim:
        compiled = sim.compiled
    names = core_owner_names(compiled)
    assert set(names) == {core.id for core in compiled.model.cores}
    assert "a" in names.values() and "splitters" in names.values()
    ax = plot_core_map(compiled)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("a (") for text in legend)
    assert sum(int(t.split("(")[-1].split()[0]) for t in legend) == len(compiled.model.cores)
