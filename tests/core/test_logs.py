"""Logs never hold an unmasked ID or mobile number."""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.logs import configure, mask_text


def test_mask_text_masks_ids_and_phones_but_not_other_numbers() -> None:
    text = "查询 110101199003074514 电话 13812345678 票号 T20261129A007 金额 12345"
    masked = mask_text(text)
    assert "110101199003074514" not in masked and "1101**********4514" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "T20261129A007" in masked and "12345" in masked


def test_log_file_rotates_and_is_masked(tmp_path: Path) -> None:
    path = configure(tmp_path, max_bytes=2_000, backups=2)
    log = logging.getLogger("kiosk.test")
    for _ in range(60):
        log.info("identify %s failed", "51010419851130002X")
    try:
        raise ValueError("bad 440305200002296121")
    except ValueError:
        log.exception("lookup failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(tmp_path.glob("kiosk.log*"))
    assert len(files) >= 2
    content = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "51010419851130002X" not in content and "440305200002296121" not in content
    assert "5101**********002X" in content
    assert path.exists()
