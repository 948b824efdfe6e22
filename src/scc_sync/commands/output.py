"""What commands print: plain text tables for people, JSON for machines."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import click


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))


def _json_value(value: Any) -> Any:
    """Times as ISO 8601 (`2021-10-19T08:00:00+00:00`), like `items --format json`; the rest as text."""
    return value.isoformat() if isinstance(value, date) else str(value)


def echo_table(rows: list[dict[str, Any]], columns: list[str], zone: tzinfo = UTC) -> None:
    """A plain text table; times are shown in `zone` (the configured time zone)."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(col), zone) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    click.echo("  ".join(col.upper().ljust(w) for col, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any, zone: tzinfo) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
