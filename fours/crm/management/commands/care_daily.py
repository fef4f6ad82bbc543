"""manage.py care_daily [--store A01] [--now]: queue the day's care tasks (回访/关怀), escalate late
complaints and send the messages held back by the quiet hours. Runs the task on the task backend
(cron starts it daily; it may run every hour: nothing is done twice). ``--now`` runs it here."""

from django.core.management.base import BaseCommand, CommandError

from fours.core.models import Store


class Command(BaseCommand):
    help = "Queue the day's customer care tasks (idempotent: a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: every store)")
        parser.add_argument("--now", action="store_true", help="run here instead of on the task backend")

    def handle(self, *args, **opts):
        store_id = None
        if opts.get("store"):
            store = Store.objects.filter(code=opts["store"]).first()
            if store is None:
                raise CommandError(f"no store {opts['store']}")
            store_id = store.pk
        if opts["now"]:
            from fours.crm.jobs import run_daily

            result = run_daily(store_id)
        else:
            from fours.crm.tasks import care_daily

            res = care_daily.enqueue(store_id)
            result = getattr(res, "return_value", None) if res.is_finished else None
            if result is None:
                self.stdout.write(f"enqueued {res.id}")
                return
        for code, r in result.items():
            self.stdout.write(f"{code}: {r['tasks']} new tasks, {r['escalated']} escalated, {r['sent']} sent")
