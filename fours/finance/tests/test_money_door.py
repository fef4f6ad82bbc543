"""Money has one door: outside fours/finance no module writes the finance tables (it calls
fours.finance.services), the way no module but the stock services writes the stock ledger."""

import re
from pathlib import Path

FOURS = Path(__file__).resolve().parents[2]
MODELS = (
    "Party|OpenItem|Payment|PaymentLine|Allocation|Handover|DayClose|PeriodClose|Invoice|PaymentRequest"
    "|PaymentRequestLine|AccountMapping|VoucherExport"
)
WRITE = re.compile(
    rf"\b({MODELS})\.objects\b[^\n]*?\.(create|bulk_create|bulk_update|update|delete|get_or_create|update_or_create)\("
)


def test_no_module_outside_finance_writes_a_finance_table():
    bad = []
    for path in sorted(FOURS.rglob("*.py")):
        rel = path.relative_to(FOURS).as_posix()
        if rel.startswith("finance/") or "/migrations/" in rel or "/tests/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        if "fours.finance" not in text:
            continue
        bad += [f"{rel}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}" for m in WRITE.finditer(text)]
    assert bad == []


def test_the_check_sees_a_write():
    assert WRITE.search("OpenItem.objects.filter(pk=1).update(allocated=0)")
    assert WRITE.search("Party.objects.create(store=s)")
    assert not WRITE.search("OpenItem.objects.filter(party=p).aggregate(s=Sum('amount'))")
