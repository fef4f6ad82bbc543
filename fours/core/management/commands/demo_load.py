import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from fours.core.registry import DemoContext, demo_loaders


class Command(BaseCommand):
    help = "Load the demo dealership (idempotent) and print a login per role per store."

    def handle(self, *args, **opts):
        ctx = DemoContext(group=None, stores=[], stdout=self.stdout)
        # one transaction: the apps' dated steps (the months of history) run after every loader, in
        # date order, and a failure leaves no half-loaded store behind
        with transaction.atomic():
            for mod in demo_loaders():
                started = time.monotonic()
                mod.load(ctx)
                self.stdout.write(
                    f"  demo: {mod.__name__.rsplit('.', 2)[-2]:<10} {time.monotonic() - started:6.1f}s"
                )
            started = time.monotonic()
            n = ctx.run_steps()
            self.stdout.write(f"  demo: {'history':<10} {time.monotonic() - started:6.1f}s ({n} steps)")
        path = settings.VAR_DIR / "demo_logins.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(ctx.logins, ensure_ascii=False, indent=2), encoding="utf-8")
        self.print_table(ctx.logins)
        self.stdout.write(self.style.SUCCESS(f"Logins written to {path}"))

    def print_table(self, logins):
        def width(s):
            return sum(2 if ord(c) > 0x2E80 else 1 for c in s)

        def pad(s, n):
            return s + " " * (n - width(s))

        cols = ["store", "role", "username", "password"]
        heads = {
            "store": "门店 Store",
            "role": "岗位 Role",
            "username": "用户名 Username",
            "password": "密码 Password",
        }
        w = {c: max(width(heads[c]), *(width(str(r[c])) for r in logins)) for c in cols}
        line = "+" + "+".join("-" * (w[c] + 2) for c in cols) + "+"
        self.stdout.write(line)
        self.stdout.write("| " + " | ".join(pad(heads[c], w[c]) for c in cols) + " |")
        self.stdout.write(line)
        for r in logins:
            self.stdout.write("| " + " | ".join(pad(str(r[c]), w[c]) for c in cols) + " |")
        self.stdout.write(line)
