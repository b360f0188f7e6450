"""A queue table that refreshes in place: sortable, filterable, and the cursor stays put.

Rows arrive as ``(key, values)`` with plain values (str, int, float, None). The first
column shows the key, so a sort can map each row back to its key. On each refresh only
changed cells are updated, rows that left are removed and new rows added, then the rows
are put in the server's order (or the user's column sort) and the cursor goes back to
the row it was on, by key: no clear-and-redraw, so no flicker and no lost place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from floor_app.scanning.wedge import visible


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    fmt: str = ""  # format spec for numbers, e.g. ",.0f"


Row = tuple[str, tuple[Any, ...]]


def render_cell(value: Any, column: Column) -> Text:
    """Outside text as a plain Text (never markup, control characters shown)."""
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text("yes" if value else "")
    if column.numeric and isinstance(value, int | float):
        return Text(format(value, column.fmt) if column.fmt else str(value), justify="right")
    return Text(visible(str(value), 200))


def _sortable(value: Any) -> tuple[int, Any]:
    # None last; numbers before text so mixed columns still sort.
    if value is None:
        return (2, "")
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value).lower())


class QueueTable(DataTable[Text]):
    """A DataTable fed by ``show(rows)``; ``sort_by`` follows header clicks."""

    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.spec = tuple(columns)
        self.filter_text = ""
        self.sort_by: str | None = None
        self.sort_reverse = False
        self._values: dict[str, tuple[Any, ...]] = {}
        self._order: dict[str, int] = {}
        self._all: list[Row] = []

    def on_mount(self) -> None:
        for c in self.spec:
            self.add_column(Text(c.label, justify="right" if c.numeric else "left"), key=c.key)

    # -- data -----------------------------------------------------------------------------
    def show(self, rows: Sequence[Row]) -> None:
        """Replace the content with ``rows`` (server order), updating in place."""
        self._all = list(rows)
        self._apply()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._apply()

    def _matches(self, values: tuple[Any, ...]) -> bool:
        if not self.filter_text:
            return True
        return any(self.filter_text in str(v).lower() for v in values if v is not None)

    def _apply(self) -> None:
        cursor_key = self.current_key()
        wanted = [(k, v) for k, v in self._all if self._matches(v)]
        keys = {k for k, _ in wanted}
        with self.app.batch_update():
            for old in [k for k in self._values if k not in keys]:
                self.remove_row(old)
                del self._values[old]
            for key, values in wanted:
                before = self._values.get(key)
                if before is None:
                    self.add_row(
                        *(render_cell(v, c) for v, c in zip(values, self.spec, strict=True)),
                        key=key,
                    )
                elif before != values:
                    for i, (a, b) in enumerate(zip(before, values, strict=True)):
                        if a != b:
                            col = self.spec[i]
                            self.update_cell(key, col.key, render_cell(b, col))
                self._values[key] = values
            self._order = {k: i for i, (k, _) in enumerate(wanted)}
            self._resort()
            if cursor_key is not None and cursor_key in self._values:
                self.move_cursor(row=self.get_row_index(cursor_key), animate=False)

    def _resort(self) -> None:
        if not self._values:
            return
        first = self.spec[0].key
        order = self._order
        if self.sort_by is None:
            self.sort(first, key=lambda k: order.get(str(k), 0))
            return
        idx = next(i for i, c in enumerate(self.spec) if c.key == self.sort_by)
        values = self._values

        def key(k: Any) -> tuple[Any, ...]:
            return (_sortable(values[str(k)][idx]), order.get(str(k), 0))

        self.sort(first, key=key, reverse=self.sort_reverse)

    # -- what the user sees ---------------------------------------------------------------
    def current_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # no cursor yet
            return None
        return str(row_key.value) if row_key.value is not None else None

    def current_values(self) -> tuple[Any, ...] | None:
        key = self.current_key()
        return self._values.get(key) if key is not None else None

    def visible_rows(self) -> list[tuple[Any, ...]]:
        """The rows shown, in the order shown (for export)."""
        return [
            self._values[str(row.key.value)]
            for row in self.ordered_rows
            if str(row.key.value) in self._values
        ]

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Click a header: sort by it; again: reversed; a third time: the queue's order."""
        event.stop()
        col = str(event.column_key.value)
        if self.sort_by == col:
            if self.sort_reverse:
                self.sort_by, self.sort_reverse = None, False
            else:
                self.sort_reverse = True
        else:
            self.sort_by, self.sort_reverse = col, False
        self._keep_cursor(self._resort)

    def cycle_sort(self) -> None:
        """Keyboard sort (no mouse at the hub): next column ascending, then descending,
        and after the last column back to the queue's own order."""
        keys = [c.key for c in self.spec]
        if self.sort_by is None:
            self.sort_by, self.sort_reverse = keys[0], False
        elif not self.sort_reverse:
            self.sort_reverse = True
        else:
            i = keys.index(self.sort_by) + 1
            self.sort_by, self.sort_reverse = (keys[i], False) if i < len(keys) else (None, False)
        self._keep_cursor(self._resort)

    def sort_label(self) -> str:
        if self.sort_by is None:
            return "queue order"
        label = next(c.label for c in self.spec if c.key == self.sort_by)
        return f"{label} {'desc' if self.sort_reverse else 'asc'}"

    def _keep_cursor(self, change: Any) -> None:
        cursor_key = self.current_key()
        change()
        if cursor_key is not None and cursor_key in self._values:
            self.move_cursor(row=self.get_row_index(cursor_key), animate=False)
