"""Plots of a run: activity per core on the mesh, and output spike rasters.

Matplotlib is imported inside the functions, so that ``import nengo_truenorth`` does
not import it. The functions draw on the axes they are given (or on a new figure's
axes) and return them; they never call ``plt.show()``, so they work with any backend,
``Agg`` included.
"""

import numpy as np

from .hardware.limits import CHIP_SIZE

#: Per-core counters of :class:`~nengo_truenorth.emulator.Activity` that can be
#: plotted, with their labels.
ACTIVITY_QUANTITIES = {
    "synaptic_events": "synaptic events",
    "spikes": "spikes",
    "spike_hops": "spike hops",
    "chip_crossings": "chip crossings",
}

#: Below this many cores, :func:`plot_activity` outlines each core of the model on
#: whole-chip images, so that single cores on a 64 x 64 chip can be found.
OUTLINE_CORES_BELOW = 256


def _new_axes(ax, figsize):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure  # no pyplot: no global state, any backend

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def activity_grid(activity, quantity="synaptic_events", region="chips"):
    """Lay a per-core counter out on the mesh, per tick.

    Parameters
    ----------
    activity : Activity
    quantity : str, optional
        A key of :data:`ACTIVITY_QUANTITIES`.
    region : {"chips", "cores"}, optional
        ``"chips"``: every core of the rectangle of chips the model touches;
        ``"cores"``: just the rectangle that holds the model's cores.

    Returns
    -------
    grid : (ny, nx) ndarray of float
        Events per tick of the core at ``(x0 + col, y0 + row)``; NaN where the model
        has no core.
    origin : (int, int)
        Core coordinates ``(x0, y0)`` of ``grid[0, 0]``.
    """
    if quantity not in ACTIVITY_QUANTITIES:
        raise ValueError(
            f"quantity {quantity!r} is not one of {sorted(ACTIVITY_QUANTITIES)}"
        )
    if region not in ("chips", "cores"):
        raise ValueError(f"region {region!r} is not 'chips' or 'cores'")
    xy = np.asarray(activity.coordinates, dtype=np.int64).reshape(-1, 2)
    values = np.asarray(getattr(activity, quantity), dtype=float)
    if activity.ticks > 0:
        values = values / activity.ticks
    if xy.shape[0] == 0:
        return np.full((CHIP_SIZE, CHIP_SIZE), np.nan), (0, 0)
    if region == "chips":
        lo = (xy.min(axis=0) // CHIP_SIZE) * CHIP_SIZE
        hi = (xy.max(axis=0) // CHIP_SIZE + 1) * CHIP_SIZE
    else:
        lo, hi = xy.min(axis=0), xy.max(axis=0) + 1
    grid = np.full((hi[1] - lo[1], hi[0] - lo[0]), np.nan)
    grid[xy[:, 1] - lo[1], xy[:, 0] - lo[0]] = values
    return grid, (int(lo[0]), int(lo[1]))


def plot_activity(
    activity, quantity="synaptic_events", ax=None, region="chips", cmap="viridis"
):
    """Show a per-core activity counter as an image over the core mesh.

    Each pixel is one core, at its mesh coordinates; its colour is the counter
    divided by the ticks run (events per tick). Places without a core of the model
    are left blank. Chip boundaries are drawn when the image spans more than one chip.

    Parameters
    ----------
    activity : Activity
        Counters of a run (``emulator.activity``).
    quantity : str, optional
        ``"synaptic_events"`` (default), ``"spikes"``, ``"spike_hops"`` or
        ``"chip_crossings"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's axes by default.
    region : {"chips", "cores"}, optional
        Show whole chips (default) or only the rectangle holding the model's cores.
    cmap : str or Colormap, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes; ``ax.images[0]`` is the image, of shape
        ``(64 * chips along y, 64 * chips along x)`` for ``region="chips"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nengo_truenorth.energy import reference_activity
    >>> ax = plot_activity(reference_activity(n_cores=10))
    >>> ax.images[0].get_array().shape
    (64, 64)
    """
    import matplotlib

    grid, (x0, y0) = activity_grid(activity, quantity, region)
    ny, nx = grid.shape
    longest = max(nx, ny)
    ax = _new_axes(ax, figsize=(3 + 4.5 * nx / longest, 2.5 + 4.5 * ny / longest))
    colormap = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    colormap = colormap.with_extremes(bad="0.93")
    finite = grid[np.isfinite(grid)]
    vmax = finite.max() if finite.size and finite.max() > 0 else 1.0
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=colormap,
        vmin=0,
        vmax=vmax,
        origin="upper",
        interpolation="nearest",
        # pixel centres on integer core coordinates
        extent=(x0 - 0.5, x0 + nx - 0.5, y0 + ny - 0.5, y0 - 0.5),
    )
    label = ACTIVITY_QUANTITIES[quantity]
    ax.figure.colorbar(image, ax=ax, label=f"{label} per tick", shrink=0.9)

    # chip boundaries inside the image
    for x in range((x0 // CHIP_SIZE + 1) * CHIP_SIZE, x0 + nx, CHIP_SIZE):
        ax.axvline(x - 0.5, color="0.2", lw=1.2, ls="--")
    for y in range((y0 // CHIP_SIZE + 1) * CHIP_SIZE, y0 + ny, CHIP_SIZE):
        ax.axhline(y - 0.5, color="0.2", lw=1.2, ls="--")

    xy = np.asarray(activity.coordinates).reshape(-1, 2)
    if region == "chips" and 0 < xy.shape[0] < OUTLINE_CORES_BELOW:
        # one pixel of 4096 is easy to miss: outline every core of the model
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=60,
            marker="s",
            facecolors="none",
            edgecolors="tab:red",
            linewidths=0.8,
            label="model cores",
        )
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)

    ax.set_xlabel("x (core)")
    ax.set_ylabel("y (core)")
    chips = len({(x // CHIP_SIZE, y // CHIP_SIZE) for x, y in xy.tolist()})
    ax.set_title(
        f"{label} per core per tick, over {activity.ticks:,} ticks "
        f"({xy.shape[0]} cores on {chips} chip{'s' if chips != 1 else ''})"
    )
    return ax


def plot_spike_raster(spikes_by_port, ax=None, ticks=None, sizes=None):
    """Plot output spike trains, one row per output index, ports stacked.

    Parameters
    ----------
    spikes_by_port : dict of str to (n, 2) array_like of int
        Per output port, ``[tick, index]`` of each spike (what
        :meth:`Emulator.run` returns).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's axes by default.
    ticks : (int, int), optional
        Tick range to show (default: the range of the spikes).
    sizes : dict of str to int, optional
        Outputs of each port, e.g. ``{p: len(model.outputs[p]) for p in
        model.outputs}``; by default one more than the largest index that spiked.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_spike_raster({"out": [[0, 0], [3, 1], [5, 0]]})
    >>> ax.get_xlabel()
    'tick'
    """
    ax = _new_axes(ax, figsize=(8, 4.5))
    offset, centres, names, n_spikes = 0, [], [], 0
    for k, (port, spikes) in enumerate(spikes_by_port.items()):
        spikes = np.asarray(spikes, dtype=np.int64).reshape(-1, 2)
        rows = int(spikes[:, 1].max()) + 1 if spikes.size else 1
        if sizes is not None and port in sizes:
            rows = max(rows, int(sizes[port]))
        color = f"C{k % 10}"
        ax.scatter(
            spikes[:, 0],
            spikes[:, 1] + offset,
            marker="|",
            s=25,
            linewidths=0.9,
            color=color,
            label=f"{port} ({len(spikes):,} spikes)",
        )
        if offset:
            ax.axhline(offset - 0.5, color="0.6", lw=0.8)
        centres.append(offset + (rows - 1) / 2)
        names.append(port)
        offset += rows
        n_spikes += len(spikes)
    if ticks is not None:
        ax.set_xlim(ticks[0] - 0.5, ticks[1] - 0.5)
    ax.set_ylim(-0.5, max(offset, 1) - 0.5)
    ax.set_yticks(centres, names)
    ax.set_xlabel("tick")
    ax.set_ylabel("output port (rows: output index)")
    ax.set_title(f"output spikes ({n_spikes:,} on {len(names)} ports)")
    if names:
        # outside the axes: a raster has no empty corner to put it in
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    if n_spikes == 0:
        ax.text(0.5, 0.5, "no spikes", transform=ax.transAxes, ha="center")
    return ax


__all__ = ["ACTIVITY_QUANTITIES", "activity_grid", "plot_activity", "plot_spike_raster"]


def _short_name(obj, fallback, width=40):
    """A legend-sized name of a Nengo object: its label, or a shortened repr."""
    pre, post = getattr(obj, "pre_obj", None), getattr(obj, "post_obj", None)
    if pre is not None and post is not None:  # decode neurons of a connection
        name = f"{_short_name(pre, '?', 18)} -> {_short_name(post, '?', 18)} decode"
    elif obj is not None:
        name = getattr(obj, "label", None) or str(obj)
    else:
        name = fallback
    return name if len(name) <= width else name[: width - 3] + "..."


def core_owner_names(compiled):
    """The Nengo object (or role) each core of a compiled chip mostly serves.

    A core belongs to the group with the most neurons on it; decode neurons belong to
    their connection; splitter cores are named ``"splitters"``.

    Returns
    -------
    dict of int to str
    """
    counts = {}
    for group, loc in compiled.neuron_location.items():
        cores, n = np.unique(np.asarray(loc)[:, 0], return_counts=True)
        for core_id, k in zip(cores.tolist(), n.tolist()):
            counts.setdefault(core_id, []).append((k, group))
    names = {}
    for core_id in compiled.core_owner:
        if core_id in counts:
            group = max(counts[core_id], key=lambda kg: kg[0])[1]
            names[core_id] = _short_name(group.obj, group.label)
        else:
            names[core_id] = "splitters"
    return names


def plot_core_map(compiled, ax=None, max_legend=20):
    """Draw the compiled chip's cores on the mesh, coloured by the Nengo object served.

    Parameters
    ----------
    compiled : CompiledChip
        What :func:`nengo_truenorth.compiler.compile_graph` returns (also
        ``nengo_truenorth.Simulator(...).compiled``).
    ax : matplotlib.axes.Axes, optional
    max_legend : int, optional
        Most legend entries; the rest are summed up in one line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    model = compiled.model
    names = core_owner_names(compiled)
    labels = sorted(set(names.values()), key=lambda s: (s == "splitters", s))
    index = {name: k for k, name in enumerate(labels)}
    xy = model.coordinates()
    x0, y0 = xy.min(axis=0) if len(xy) else (0, 0)
    x1, y1 = xy.max(axis=0) if len(xy) else (0, 0)
    grid = np.full((y1 - y0 + 1, x1 - x0 + 1), np.nan)
    for core, (x, y) in zip(model.cores, xy):
        grid[y - y0, x - x0] = index[names[core.id]]

    ax = _new_axes(ax, figsize=(6, 6))
    base = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]
    colors = [
        "#7f7f7f" if name == "splitters" else base[k % len(base)]
        for k, name in enumerate(labels)
    ]
    cmap = ListedColormap(colors).with_extremes(bad="#f0f0f0")
    ax.imshow(
        np.ma.masked_invalid(grid), cmap=cmap, vmin=-0.5, vmax=len(labels) - 0.5,
        origin="upper", extent=(x0 - 0.5, x1 + 0.5, y1 + 0.5, y0 - 0.5),
        interpolation="nearest",
    )
    for boundary in range((x0 // CHIP_SIZE + 1) * CHIP_SIZE, x1 + 1, CHIP_SIZE):
        ax.axvline(boundary - 0.5, color="k", lw=1, ls="--")
    for boundary in range((y0 // CHIP_SIZE + 1) * CHIP_SIZE, y1 + 1, CHIP_SIZE):
        ax.axhline(boundary - 0.5, color="k", lw=1, ls="--")
    counts = {name: 0 for name in labels}
    for name in names.values():
        counts[name] += 1
    handles = [
        Patch(color=colors[k], label=f"{name} ({counts[name]} cores)")
        for k, name in enumerate(labels[:max_legend])
    ]
    if len(labels) > max_legend:
        rest = sum(counts[name] for name in labels[max_legend:])
        handles.append(
            Patch(
                color="white",
                label=f"... {len(labels) - max_legend} more ({rest} cores)",
            )
        )
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
        fontsize="small", ncol=2 if len(handles) > 6 else 1,
    )
    ax.set_xlabel("x (core)")
    ax.set_ylabel("y (core)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"core map: {len(model.cores)} cores by Nengo object")
    return ax
