"""Receipts on thermal printers.

A receipt is a :class:`printers.document.Document` (JSON-serialisable, so the
spool can keep it in the database), built by :mod:`printers.templates`, laid
out by display width for 58/80 mm paper (:mod:`printers.layout`), rendered to
ESC/POS bytes (:mod:`printers.escpos_render`) or a PNG/text preview
(:mod:`printers.preview`), sent to a device (:mod:`printers.devices`) and
printed in the background by the persistent spool (:mod:`printers.spool`).

Nothing here imports Textual, the screens, kiosk.services or kiosk.config.
"""
