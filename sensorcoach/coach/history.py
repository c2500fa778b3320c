"""Session history in SQLite at the platform's usual data location, and adherence over days."""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .match import MatchResult

DATA_DIR_ENV = "SENSORCOACH_DATA_DIR"


def data_dir() -> Path:
    """$SENSORCOACH_DATA_DIR, else the platform's per-user data folder."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "sensorcoach"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "sensorcoach"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sensorcoach"


SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, plan TEXT NOT NULL, source TEXT,
  duration_s REAL, adherence REAL, report TEXT);
CREATE TABLE IF NOT EXISTS sets (
  session_id INTEGER REFERENCES sessions(id), position INTEGER, exercise TEXT,
  target_reps INTEGER, counted_reps INTEGER, status TEXT, mean_hold_s REAL, posture_s REAL);
"""


def connect(path: Path | None = None) -> sqlite3.Connection:
    path = path or data_dir() / "history.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def record(result: dict, matched: MatchResult, plan_name: str, source: str, report: str | None,
           started_at: datetime | None = None, path: Path | None = None) -> int:
    started_at = started_at or datetime.now(timezone.utc)
    with connect(path) as db:
        cur = db.execute("INSERT INTO sessions (started_at, plan, source, duration_s, adherence, "
                         "report) VALUES (?, ?, ?, ?, ?, ?)",
                         (started_at.isoformat(timespec="seconds"), plan_name, source,
                          result["duration_s"], matched.adherence, report))
        session_id = cur.lastrowid
        for p in matched.progress:
            holds = p.holds_s(result)
            db.execute("INSERT INTO sets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (session_id, p.index, p.planned.exercise, p.planned.reps, p.counted,
                        p.status, sum(holds) / len(holds) if holds else None,
                        p.posture_s if p.planned.posture_s is not None else None))
    return session_id


def days(since_days: int = 30, path: Path | None = None) -> list[dict]:
    """One row per day with sessions: adherence and per-exercise reps and holds."""
    since = (datetime.now(timezone.utc) - timedelta(days=since_days)).isoformat()
    with connect(path) as db:
        rows = db.execute(
            "SELECT substr(s.started_at, 1, 10) AS day, count(DISTINCT s.id), avg(s.adherence), "
            "sum(CASE WHEN t.exercise='pelvic_tilt' THEN t.counted_reps END), "
            "sum(CASE WHEN t.exercise='knee_to_chest' THEN t.counted_reps END), "
            "sum(CASE WHEN t.exercise='hip_bridge' THEN t.counted_reps END), "
            "avg(CASE WHEN t.exercise='hip_bridge' THEN t.mean_hold_s END) "
            "FROM sessions s JOIN sets t ON t.session_id = s.id WHERE s.started_at >= ? "
            "GROUP BY day ORDER BY day", (since,)).fetchall()
    return [{"day": d, "sessions": n, "adherence": a, "pelvic_tilt": pt, "knee_to_chest": kc,
             "hip_bridge": hb, "mean_hold_s": h} for d, n, a, pt, kc, hb, h in rows]


def format_days(rows: list[dict]) -> str:
    if not rows:
        return "no sessions recorded yet (they are kept in " + str(data_dir()) + ")"
    lines = [f"{'day':<11} {'sessions':>8} {'adherence':>9}  {'tilts':>5} {'circles':>7} "
             f"{'bridges':>7} {'mean hold':>9}"]
    for r in rows:
        hold = "-" if r["mean_hold_s"] is None else f"{r['mean_hold_s']:.1f} s"
        lines.append(f"{r['day']:<11} {r['sessions']:>8} {100 * (r['adherence'] or 0):>8.0f}%  "
                     f"{r['pelvic_tilt'] or 0:>5} {r['knee_to_chest'] or 0:>7} "
                     f"{r['hip_bridge'] or 0:>7} {hold:>9}")
    if len(rows) >= 2:
        first, last = rows[0]["adherence"] or 0, rows[-1]["adherence"] or 0
        trend = "up" if last > first + 0.05 else "down" if last < first - 0.05 else "steady"
        lines.append(f"trend: adherence {trend} ({100 * first:.0f}% -> {100 * last:.0f}%)")
    return "\n".join(lines)
