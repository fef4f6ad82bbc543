from django.core.management.base import BaseCommand, CommandError

from fours.core.models import Store
from fours.parts.selectors import stock_differences


class Command(BaseCommand):
    help = "Prove every stock balance equals the sum of its moves (on-hand, value, reserved)."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: all stores)")

    def handle(self, *args, **opts):
        store = None
        if opts.get("store"):
            store = Store.objects.filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"unknown store {opts['store']}")
        diffs = stock_differences(store)
        if not diffs:
            self.stdout.write(self.style.SUCCESS("check_stock: all balances equal the sum of their moves"))
            return
        for d in diffs:
            self.stdout.write(
                f"store {d['store_id']} part {d['part_id']}: on_hand {d['on_hand']} vs moves {d['moves_qty']}; "
                f"value {d['value']} vs moves {d['moves_value']}; reserved {d['reserved']} vs {d['reservations']}"
            )
        raise CommandError(f"check_stock: {len(diffs)} balance(s) differ from their moves")
