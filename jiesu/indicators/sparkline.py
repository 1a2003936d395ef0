"""A unit's overall standing over the months as a small inline SVG (rank 1 at the top); gaps where
a month had no figure. Numbers only go into the markup, so it is safe to embed as is."""

import datetime as dt

WIDTH, HEIGHT, PAD = 168, 38, 4


def rank_sparkline(history: list[tuple[dt.date, int | None]], *, of: int) -> str:
    points = [(i, rank) for i, (_, rank) in enumerate(history)]
    if not any(rank is not None for _, rank in points) or len(points) < 2 or of < 2:
        return ""
    step = (WIDTH - 2 * PAD) / (len(points) - 1)

    def y(rank: int) -> float:
        return PAD + (rank - 1) * (HEIGHT - 2 * PAD) / (of - 1)

    runs, run = [], []
    for i, rank in points:
        if rank is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(f"{PAD + i * step:.1f},{y(rank):.1f}")
    if run:
        runs.append(run)
    lines = "".join(f'<polyline points="{" ".join(r)}" fill="none" stroke="#2563eb" stroke-width="1.5"/>' for r in runs)
    last_i, last = next(((i, r) for i, r in reversed(points) if r is not None))
    first, final = history[0][0], history[-1][0]
    label = f"{first.year}年{first.month}月至{final.year}年{final.month}月综合排位走势，最近为第{last}位"
    mid = HEIGHT / 2
    return (
        f'<svg class="spark" role="img" aria-label="{label}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<line x1="{PAD}" y1="{mid:.1f}" x2="{WIDTH - PAD}" y2="{mid:.1f}" stroke="#e5e7eb" stroke-dasharray="2 2"/>'
        f'{lines}<circle cx="{PAD + last_i * step:.1f}" cy="{y(last):.1f}" r="2.5" fill="#1d4ed8"/></svg>'
    )
