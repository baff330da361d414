"""Charts as inline SVG (matplotlib, Agg): they travel inside the HTML and print sharply in the PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display; set before pyplot is imported

import matplotlib.pyplot as plt
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

INK = "#1d2733"
ACCENT = "#2f5d8a"
BAD = "#b3261e"
plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.edgecolor": "#9aa8b5",
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
    }
)


def _svg(fig: Figure, name: str) -> Markup:
    """The figure as inline SVG, ready for a template: matplotlib writes every text XML-escaped (a segment
    or bucket label, even from ERP data, cannot become markup), so it is marked safe here, once."""
    buffer = io.StringIO()
    # A salt per chart keeps element ids unique when several charts share one page.
    with plt.rc_context({"svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # inline: no XML prolog or doctype
    # Prefix every id and reference, so two charts on one page never share an id.
    text = text.replace('id="', f'id="{name}-').replace('href="#', f'href="#{name}-').replace("url(#", f"url(#{name}-")
    return Markup(text)  # noqa: S704 - matplotlib's own escaped SVG


def whale_curve(profit_shares: Sequence[Decimal], *, x_label: str, y_label: str) -> Markup:
    """Cumulative net profit (share of the total) against the share of customers, best first."""
    n = len(profit_shares)
    fig, ax = plt.subplots(figsize=(6.2, 2.6))
    if n:
        # At most ~400 points: the curve's shape, not 20,000 markers.
        step = max(1, n // 400)
        idx = list(range(0, n, step)) + ([n - 1] if (n - 1) % step else [])
        xs = [0.0] + [(i + 1) / n for i in idx]
        ys = [0.0] + [float(profit_shares[i]) for i in idx]
        ax.plot(xs, ys, color=ACCENT, linewidth=1.6)
        ax.axhline(1.0, color="#9aa8b5", linewidth=0.8, linestyle="--")
        peak = max(range(len(ys)), key=ys.__getitem__)
        ax.plot([xs[peak]], [ys[peak]], "o", color=BAD, markersize=4)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "whale")


def ageing_bars(labels: Sequence[str], amounts: Sequence[Decimal], *, money: FuncFormatter | None = None) -> Markup:
    """Open amount per ageing bucket; the overdue buckets in red."""
    fig, ax = plt.subplots(figsize=(6.2, 2.2))
    values = [float(a) for a in amounts]
    colors = [ACCENT] + [BAD] * (len(values) - 1)
    ax.bar(range(len(values)), values, color=colors, width=0.6)
    ax.set_xticks(range(len(values)), labels)
    if money is not None:
        ax.yaxis.set_major_formatter(money)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "ageing")


def profit_bridge(
    labels: Sequence[str], amounts: Sequence[Decimal], subtotals: Sequence[bool], *, money: FuncFormatter | None = None
) -> Markup:
    """A waterfall: subtotals stand on the axis, each step floats from where the one before ended (a gain
    in blue, a cost in red); the amounts are the bridge's shown ones, so the bars meet exactly."""
    fig, ax = plt.subplots(figsize=(6.2, 2.6))
    level = 0.0
    for i, (amount, subtotal) in enumerate(zip(amounts, subtotals, strict=True)):
        value = float(amount)
        if subtotal:
            ax.bar(i, value, bottom=0, color=INK, width=0.6)
            level = value
        else:
            ax.bar(i, value, bottom=level, color=ACCENT if value >= 0 else BAD, width=0.6)
            level += value
    ax.axhline(0, color="#9aa8b5", linewidth=0.8)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    if money is not None:
        ax.yaxis.set_major_formatter(money)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "bridge")


def segment_bars(
    labels: Sequence[str],
    net_profit: Sequence[Decimal],
    customers: Sequence[str],
    *,
    money: FuncFormatter | None = None,
) -> Markup:
    """Net profit by segment, one horizontal bar each (a loss in red, to the left of the axis), the number
    of customers written beside each name."""
    fig, ax = plt.subplots(figsize=(6.2, 0.45 + 0.32 * max(1, len(labels))))
    values = [float(v) for v in net_profit]
    rows = list(range(len(values)))[::-1]  # the table's order, top to bottom
    ax.barh(rows, values, color=[ACCENT if v >= 0 else BAD for v in values], height=0.6)
    ax.set_yticks(rows, [f"{label} ({count})" for label, count in zip(labels, customers, strict=True)])
    ax.axvline(0, color="#9aa8b5", linewidth=0.8)
    if money is not None:
        ax.xaxis.set_major_formatter(money)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "segments")
