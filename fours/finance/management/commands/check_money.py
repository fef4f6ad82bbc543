from django.core.management.base import BaseCommand, CommandError

from fours.core.models import Store
from fours.finance.selectors.checks import money_differences


class Command(BaseCommand):
    help = "Prove the money ledger adds up: items and payments equal their allocations and method lines."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: all stores)")

    def handle(self, *args, **opts):
        store = None
        if opts.get("store"):
            store = Store.objects.filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"unknown store {opts['store']}")
        diffs = money_differences(store)
        if not diffs:
            self.stdout.write(
                self.style.SUCCESS("check_money: every item and payment equals its allocations")
            )
            return
        for d in diffs:
            self.stdout.write(d)
        raise CommandError(f"check_money: {len(diffs)} difference(s)")
