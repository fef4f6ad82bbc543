from fours.core.management.ledger_check import LedgerCheckCommand
from fours.finance.selectors.checks import money_differences


class Command(LedgerCheckCommand):
    help = "Prove the money ledger adds up: items and payments equal their allocations and method lines."
    name = "check_money"
    clean = "every item and payment equals its allocations"

    def differences(self, store) -> list[str]:
        return money_differences(store)
