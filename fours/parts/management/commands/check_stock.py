from fours.core.management.ledger_check import LedgerCheckCommand
from fours.parts.selectors import stock_differences


class Command(LedgerCheckCommand):
    help = "Prove every stock balance equals the sum of its moves (on-hand, value, reserved)."
    name = "check_stock"
    clean = "all balances equal the sum of their moves"

    def differences(self, store) -> list[str]:
        return [
            f"store {d['store_id']} part {d['part_id']}: on_hand {d['on_hand']} vs moves {d['moves_qty']}; "
            f"value {d['value']} vs moves {d['moves_value']}; reserved {d['reserved']} vs {d['reservations']}"
            for d in stock_differences(store)
        ]
