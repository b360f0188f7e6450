"""Relabel instructions as bytes and the printers that take them.

``zpl`` (thermal printers), ``pdf`` (office printers), ``text`` (the station preview), all
from :class:`floor_app.domain.label_content.LabelContent` through ``layout`` and the cleaning
in ``sanitize``; ``backends`` delivers them (raw TCP 9100, CUPS, spool folders). The queue
that decides when to send lives in :mod:`floor_app.services.printing`. Nothing is imported
here, so that the station starts without loading reportlab.
"""
