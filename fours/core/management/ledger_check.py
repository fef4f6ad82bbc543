"""The shape of a ledger's check command (``check_stock``, ``check_money``): every store or one
(``--store CODE``), the differences printed one a line, a failing exit when there is any."""

from django.core.management.base import BaseCommand, CommandError

from fours.core.models import Store


class LedgerCheckCommand(BaseCommand):
    name = ""  # the command's name, for its messages
    clean = ""  # what it says when nothing differs

    def differences(self, store) -> list[str]:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: all stores)")

    def handle(self, *args, **opts):
        store = None
        if opts.get("store"):
            store = Store.objects.filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"unknown store {opts['store']}")
        diffs = self.differences(store)
        if not diffs:
            self.stdout.write(self.style.SUCCESS(f"{self.name}: {self.clean}"))
            return
        for d in diffs:
            self.stdout.write(d)
        raise CommandError(f"{self.name}: {len(diffs)} difference(s)")
