from django.contrib import admin

from . import models


class ReadOnly(admin.ModelAdmin):
    """Support staff read documents and the ledger here; writes go through the services (the UI)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Part)
class PartAdmin(ReadOnly):
    list_display = ("part_no", "name", "brand", "unit", "retail_price", "superseded_by")
    search_fields = ("part_no", "name")
    list_select_related = ("superseded_by",)


@admin.register(models.StockMove)
class StockMoveAdmin(ReadOnly):
    list_display = ("at", "store", "part", "kind", "qty", "unit_cost", "value", "balance_qty", "doc_number")
    list_filter = ("kind", "store")
    list_select_related = ("store", "part")


@admin.register(models.StockBalance)
class StockBalanceAdmin(ReadOnly):
    list_display = ("store", "part", "on_hand", "reserved", "value", "avg_cost")
    list_select_related = ("store", "part")


@admin.register(models.Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "lead_time_days", "payment_days", "is_oem")


@admin.register(models.PartsConfig)
class PartsConfigAdmin(admin.ModelAdmin):
    list_display = ("store", "abc_a_pct", "abc_b_pct", "slow_months", "stagnant_months", "dead_months")


@admin.register(models.TradeCustomer)
class TradeCustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "contact", "phone")


for m in (
    models.Sale,
    models.PurchaseOrder,
    models.PurchasePlan,
    models.Receipt,
    models.Discrepancy,
    models.Transfer,
    models.ReturnOrder,
    models.Stocktake,
    models.WriteOff,
):
    admin.site.register(m, ReadOnly)
