"""The report a physiotherapist opens: one self-contained HTML file (inline SVG plots,
no scripts, no external resources), plus the result JSON with targets."""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

from .match import MatchResult
from .plan import Plan

WIDTH, HEIGHT, PAD = 900, 260, 40
COLOURS = {"pelvic_tilt": "#4c78a8", "knee_to_chest": "#f58518", "hip_bridge": "#54a24b"}
NAMES = {"pelvic_tilt": "Pelvic tilt", "knee_to_chest": "Knee-to-chest", "hip_bridge": "Hip bridge"}
#: The trace plot keeps at most this many points (a long session is thinned evenly).
MAX_POINTS = 2000


def result_with_targets(result: dict, matched: MatchResult, plan: Plan) -> dict:
    """The analysis result (formats: analysis result) plus the plan and each set's status."""
    out = dict(result)
    out["sets"] = [dict(s) for s in result["sets"]]
    for progress in matched.progress:
        for i in progress.detected:
            out["sets"][i].update(planned_set=progress.index, target_reps=progress.planned.reps,
                                  status=progress.status)
            if progress.planned.hold_s is not None:
                out["sets"][i]["hold_target_s"] = progress.planned.hold_s
    for i in matched.extra:
        out["sets"][i]["status"] = "extra"
    out["plan"] = {"name": plan.name, **matched.as_dict()}
    return out


def _svg_trace(trace, result: dict) -> str:
    if not trace:
        return "<p>No orientation trace.</p>"
    step = max(1, len(trace) // MAX_POINTS)
    pts = trace[::step]
    t0, t1 = pts[0][0], max(pts[-1][0], pts[0][0] + 1)
    top = max(5.0, max(a for _, a in pts) * 1.1)

    def x(t):
        return PAD + (t - t0) / (t1 - t0) * (WIDTH - 2 * PAD)

    def y(a):
        return HEIGHT - PAD - a / top * (HEIGHT - 2 * PAD)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="pelvic angle over time">']
    for s in result["sets"]:
        colour = COLOURS[s["exercise"]]
        for r in s["reps"]:
            # A rep a link gap hid: outlined only, its place an estimate.
            look = (f'fill="none" stroke="{colour}" stroke-dasharray="4 3"' if r.get("hidden")
                    else f'fill="{colour}" opacity="0.18"')
            note = ", counted across a link gap" if r.get("hidden") else ""
            parts.append(f'<rect x="{x(r["start_s"]):.1f}" y="{PAD}" width="{max(1, x(r["end_s"]) - x(r["start_s"])):.1f}" '
                         f'height="{HEIGHT - 2 * PAD}" {look}><title>'
                         f'{NAMES[s["exercise"]]} rep {r["start_s"]:.1f}-{r["end_s"]:.1f} s{note}</title></rect>')
        parts.append(f'<text x="{x(s["start_s"]):.1f}" y="{PAD - 8}" font-size="12" fill="{colour}">'
                     f'{NAMES[s["exercise"]]} ({len(s["reps"])})</text>')
    line = " ".join(f"{x(t):.1f},{y(a):.1f}" for t, a in pts)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#333" stroke-width="1.2"/>')
    for s in result["sets"]:
        for r in s["reps"]:
            if "hold_s" in r and s["exercise"] == "hip_bridge" and not r.get("hidden"):
                mid = (r["start_s"] + r["end_s"]) / 2
                parts.append(f'<line x1="{x(mid - r["hold_s"] / 2):.1f}" x2="{x(mid + r["hold_s"] / 2):.1f}" '
                             f'y1="{PAD + 4}" y2="{PAD + 4}" stroke="{COLOURS["hip_bridge"]}" stroke-width="4">'
                             f'<title>hold {r["hold_s"]:.1f} s</title></line>')
    parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{HEIGHT - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 10}" font-size="12">0 s</text>')
    parts.append(f'<text x="{WIDTH - PAD - 40}" y="{HEIGHT - 10}" font-size="12">{t1 - t0:.0f} s</text>')
    parts.append(f'<text x="4" y="{PAD}" font-size="12">{top:.0f}&#176;</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_holds(result: dict, matched: MatchResult) -> str:
    bars = []
    for p in matched.progress:
        if p.planned.hold_s is None:
            continue
        bars += [(hold, p.planned.hold_s) for hold in p.holds_s(result)]
    if not bars:
        return "<p>No bridges held.</p>"
    top = max(max(h for h, _ in bars), max(t for _, t in bars)) * 1.2
    width = (WIDTH - 2 * PAD) / len(bars)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="bridge holds against target">']
    for i, (hold, target) in enumerate(bars):
        h = hold / top * (HEIGHT - 2 * PAD)
        colour = COLOURS["hip_bridge"] if hold >= target else "#e45756"
        parts.append(f'<rect x="{PAD + i * width + 2:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{width - 4:.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>bridge {i + 1}: {hold:.1f} s</title></rect>')
    target = bars[0][1]
    ty = HEIGHT - PAD - target / top * (HEIGHT - 2 * PAD)
    parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#333" '
                 f'stroke-dasharray="6 4"/><text x="{WIDTH - PAD - 90}" y="{ty - 6:.1f}" font-size="12">'
                 f'target {target:g} s</text></svg>')
    return "".join(parts)


def render_html(result: dict, matched: MatchResult, plan: Plan, trace, source: str,
                started_at: str | None = None) -> str:
    e = html.escape
    when = started_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = []
    for p in matched.progress:
        holds = ""
        if p.planned.hold_s is not None:
            holds = ", ".join(f"{h:.1f}" for h in p.holds_s(result))
            if p.attempts:
                holds += f" ({len(p.attempts)} too short, by " + ", ".join(
                    f"{a['short_by_s']:.1f}" for a in p.attempts) + " s)"
        posture = f"{p.posture_s:.0f} / {p.planned.posture_s:g} s" if p.planned.posture_s else ""
        hidden = sum(1 for i in p.detected for r in result["sets"][i]["reps"] if r.get("hidden"))
        across = f" ({hidden} across link gaps)" if hidden else ""
        rows.append(f"<tr><td>{p.index + 1}</td><td>{NAMES[p.planned.exercise]}</td>"
                    f"<td>{p.counted} / {p.planned.reps}{across}</td><td>{p.status}</td>"
                    f"<td>{e(holds)}</td><td>{posture}</td></tr>")
    extra = "".join(f"<li>{NAMES[result['sets'][i]['exercise']]}: {len(result['sets'][i]['reps'])} reps "
                    f"at {result['sets'][i]['start_s']:.0f} s</li>" for i in matched.extra)
    stream = result.get("stream", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sensorcoach report: {e(plan.name)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 10px;text-align:left}}</style>
</head><body>
<h1>{e(plan.name)}</h1>
<p>Session {e(when)} &middot; {result['duration_s'] / 60:.1f} min &middot; source {e(source)}
&middot; adherence <b>{100 * matched.adherence:.0f}%</b> of planned reps
{'' if matched.in_plan_order else '&middot; sets done in another order than planned'}</p>
<h2>Sets</h2>
<table><tr><th>#</th><th>exercise</th><th>reps counted / target</th><th>status</th>
<th>bridge holds (s)</th><th>time in posture</th></tr>{''.join(rows)}</table>
{f'<h3>Extra sets</h3><ul>{extra}</ul>' if extra else ''}
<h2>Pelvis angle from rest over time</h2>
<p>Shaded: detected reps, coloured by exercise (outlined: counted across a link gap,
from the set's rhythm); bars on top: bridge holds.</p>
{_svg_trace(trace, result)}
<h2>Bridge holds against target</h2>
{_svg_holds(result, matched)}
<p style="color:#777">Sensor link: {stream.get('packets', 0)} packets, {stream.get('lost', 0)} lost,
{stream.get('corrupt', 0)} corrupt, {len(stream.get('gaps', []))} gap(s).</p>
</body></html>
"""


def write_outputs(out_dir: Path, stem: str, result: dict, matched: MatchResult, plan: Plan,
                  trace, source: str, started_at: str | None = None) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    result_path = out_dir / f"{stem}.result.json"
    report_path = out_dir / f"{stem}.report.html"
    result_path.write_text(json.dumps(result_with_targets(result, matched, plan), indent=1))
    report_path.write_text(render_html(result, matched, plan, trace, source, started_at),
                           encoding="utf-8")
    return result_path, report_path
