"""The coverage picture (matplotlib, Agg backend: no display, no downloaded shapes).

Left: for one measure, the best kind of basis for every ordered pair of states
(rows request, columns are requested), states grouped by region, so blocks of
mutual recognition (EU), regional treaties and gaps stand out. Right: for each
pair of regions, the share of ordered pairs and measures with a treaty basis
whose dates are known.
"""

from __future__ import annotations

import io

import numpy as np

from repatria.domain.measure import Measure
from repatria.law.instruments import Kind
from repatria.law.network import BasisMatrix, region_shares, regions

_COLOURS = ["#1b7837", "#5aae61", "#a6dba0", "#92c5de", "#fdb863", "#d7191c"]
"""One colour per Kind, in rank order: greens for treaties, orange scheme, red reciprocity."""


def draw_coverage(matrix: BasisMatrix, measure: Measure) -> dict[str, bytes]:
    """Draw the picture; its PNG and SVG bytes, by format (written by
    ``repatria.adapters.picture.write_picture``)."""
    # matplotlib takes a while to import; only the picture needs it, not the engine.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    region = regions(matrix)
    order = sorted(range(len(matrix.states)), key=lambda k: (region[k], matrix.states[k]))
    m = matrix.measures.index(measure)
    grid = matrix.best_rank[m][np.ix_(order, order)].astype(float)
    np.fill_diagonal(grid, np.nan)

    figure, (left, right) = plt.subplots(1, 2, figsize=(15, 7), width_ratios=(1.15, 1))
    cmap = ListedColormap(_COLOURS).with_extremes(bad="white")
    norm = BoundaryNorm(np.arange(-0.5, len(Kind) + 0.5), cmap.N)
    image = left.imshow(grid, cmap=cmap, norm=norm, interpolation="nearest")
    bounds = _region_bounds([region[k] for k in order])
    for start, _, _ in bounds[1:]:
        left.axhline(start - 0.5, color="black", linewidth=0.5)
        left.axvline(start - 0.5, color="black", linewidth=0.5)
    ticks = [(start + end) / 2 for start, end, _ in bounds]
    left.set_xticks(ticks, [name for _, _, name in bounds], rotation=45, ha="right", fontsize=8)
    left.set_yticks(ticks, [name for _, _, name in bounds], fontsize=8)
    left.set_xlabel("requested state")
    left.set_ylabel("requesting state")
    left.set_title(f"Best certain basis for {measure.value} on {matrix.on.isoformat()}")
    bar = figure.colorbar(image, ax=left, ticks=range(len(Kind)), fraction=0.046)
    bar.ax.set_yticklabels([k.value for k in Kind], fontsize=8)

    names, shares = region_shares(matrix)
    heat = right.imshow(shares * 100, cmap="Greens", vmin=0, vmax=100)
    right.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    right.set_yticks(range(len(names)), names, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(shares[i, j]):
                colour = "white" if shares[i, j] > 0.6 else "black"
                right.text(
                    j, i, f"{shares[i, j]:.0%}", ha="center", va="center", fontsize=8, color=colour
                )
    right.set_title("Pairs x measures with a treaty basis (known dates)")
    figure.colorbar(heat, ax=right, fraction=0.046, label="%")
    offence = f"; offence {matrix.offence}" if matrix.offence else ""
    figure.suptitle(f"repatria treaty network: {len(matrix.states)} states{offence}")
    figure.tight_layout()
    drawn = {}
    for fmt, dpi in (("png", 110), ("svg", None)):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=dpi)
        drawn[fmt] = buffer.getvalue()
    plt.close(figure)
    return drawn


def _region_bounds(ordered: list[str]) -> list[tuple[int, int, str]]:
    bounds: list[tuple[int, int, str]] = []
    for k, name in enumerate(ordered):
        if not bounds or bounds[-1][2] != name:
            bounds.append((k, k, name))
        else:
            bounds[-1] = (bounds[-1][0], k, name)
    return bounds
