"""``kiosk verify CODE [--json]``: what a printed code is, and whether it is genuine.

CODE is a receipt's verification code (``RC`` + 10 characters, as printed
under the barcode) or the text of a 参保证明's QR (``SBZM1:RC…:MAC``). The
answer names the kind of document, when and where it was printed and for
whom (masked); a certificate is genuine only when its HMAC matches the
stored content (:mod:`kiosk.services.certificates`). Exit 0 when genuine,
1 when not; audited (``verify.code``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from kiosk.commands.records import run_in_context

_REASONS = {"unknown": "本大厅没有打印过这个校验码（可能输错或伪造）",
            "altered": "内容与打印时不一致（已被改动）",
            "not_a_certificate": "这个校验码不是参保证明"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("verify", help="check a printed code (receipt RC… or 参保证明 QR)")
    parser.add_argument("code", help="RC… as printed, or the QR text SBZM1:RC…:MAC")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    from kiosk.services.certificates import verify_code

    result = run_in_context(args, lambda ctx: verify_code(dataclasses.replace(ctx, staff_number="admin-cli"), args.code))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    elif result.genuine:
        print(f"真实有效 genuine：{result.title}（{result.kind}）{result.code}，{result.hall} "
              f"{result.printed_at} 打印，{result.identity}")
    else:
        what = f"{result.title} " if result.title else ""
        print(f"无效 NOT genuine：{what}{result.code} — {_REASONS.get(result.reason, result.reason)}")
    return 0 if result.genuine else 1
