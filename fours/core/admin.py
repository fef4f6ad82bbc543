from django.contrib import admin

from .models import AuditEvent, DealerGroup, Department, Membership, NumberSequence, RoleLimit, Store


@admin.register(DealerGroup)
class DealerGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "group",
        "brands",
        "city",
        "vat_rate",
        "allow_negative_stock",
        "is_active",
    )
    list_filter = ("group", "is_active")
    inlines = [DepartmentInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "store", "dealer_group", "is_active")
    list_filter = ("role", "store", "is_active")
    search_fields = ("user__username", "user__first_name")
    autocomplete_fields = ("user",)


@admin.register(RoleLimit)
class RoleLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "kind", "value")
    list_editable = ("value",)
    list_filter = ("kind",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "store", "content_type", "object_repr", "verb")
    list_filter = ("store", "content_type", "verb")
    search_fields = ("object_repr", "actor__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("store", "kind", "year", "last")

    def has_change_permission(self, request, obj=None):
        return False
