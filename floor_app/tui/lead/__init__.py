"""The shift lead's screens (queues, backorders, the shift's numbers).

``from floor_app.tui.lead import LeadScreen``; the station pushes it for a lead, and
``floor serve`` runs it in a browser through :mod:`floor_app.tui.lead.app`.
"""

from __future__ import annotations

from floor_app.tui.lead.screen import LeadScreen

__all__ = ["LeadScreen"]
