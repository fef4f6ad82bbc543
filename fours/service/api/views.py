from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedViewSetMixin
from fours.core.api.viewsets import request_store as _store
from fours.core.api.viewsets import validated as _valid
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.parts.selectors import part_by_number

from .. import selectors, services
from ..models import Appointment, Bay, LabourLine, LabourOperation, MaintenancePackage, PartLine, RepairOrder
from . import serializers as s


def _ok(ro):
    return Response(s.RepairOrderSerializer(selectors.repair_order_with_lines(ro.pk)).data)


class AppointmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """预约: list by date, book (capacity checked, package parts reserved), cancel, no-show."""

    queryset = Appointment.objects.all()
    serializer_class = s.AppointmentSerializer
    filterset_fields = ["date", "status", "advisor"]
    action_perms = {"cancel": ["service.change_appointment"], "no_show": ["service.change_appointment"]}

    def get_queryset(self):
        return selectors.appointments_for(self.request.user)

    @extend_schema(request=s.AppointmentCreateSerializer, responses={201: s.AppointmentSerializer})
    def create(self, request, *args, **kwargs):
        from fours.customers.selectors import vehicles_for

        v = _valid(request, s.AppointmentCreateSerializer, context={"request": request})
        store = _store(request, v.get("store"))
        vehicle = get_object_or_404(vehicles_for(request.user), pk=v["vehicle"].pk)
        appt = services.appointment_create(
            actor=request.user,
            store=store,
            vehicle=vehicle,
            advisor=v["advisor"],
            date=v["date"],
            slot=v["slot"],
            package=v.get("package"),
            jobs=v.get("jobs", ""),
            channel=v.get("channel") or "phone",
        )
        return Response(s.AppointmentSerializer(appt).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses=s.AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        v = _valid(request, s.ReasonSerializer)
        return Response(
            s.AppointmentSerializer(
                services.appointment_cancel(actor=request.user, appt=self.get_object(), reason=v["reason"])
            ).data
        )

    @extend_schema(request=None, responses=s.AppointmentSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return Response(
            s.AppointmentSerializer(
                services.appointment_no_show(actor=request.user, appt=self.get_object())
            ).data
        )


class RepairOrderViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """维修工单 with labour and part lines; each step of the status machine is an action."""

    queryset = RepairOrder.objects.all()
    serializer_class = s.RepairOrderSerializer
    filterset_fields = ["status", "kind", "vehicle"]
    action_perms = {
        "labour": ["service.change_repairorder"],
        "parts": ["service.view_repairorder"],
        "estimate": ["service.change_repairorder"],
        "confirm": ["service.change_repairorder"],
        "confirm_added": ["service.change_repairorder"],
        "cancel": ["service.view_repairorder"],
        "qc": ["service.qc_repairorder"],
        "settle": ["service.settle_repairorder"],
        "reverse": ["service.reverse_settlement"],
        "deliver": ["service.deliver_repairorder"],
        "issue_parts": ["service.issue_repairorder"],
    }

    def get_serializer_class(self):
        return s.RepairOrderListSerializer if self.action == "list" else s.RepairOrderSerializer

    def get_queryset(self):
        return selectors.repair_orders_for(self.request.user, with_lines=self.action != "list")

    @extend_schema(request=s.ReceiveSerializer, responses={201: s.RepairOrderSerializer})
    def create(self, request, *args, **kwargs):
        from fours.customers.selectors import vehicles_for

        v = _valid(request, s.ReceiveSerializer)
        store = _store(request, v.get("store"))
        vehicle = vehicles_for(request.user).filter(pk=v["vehicle"]).first()
        if vehicle is None:
            raise ValidationError({"vehicle": [_("车辆不存在")]})
        package = MaintenancePackage.objects.filter(group=store.group, pk=v.get("package") or 0).first()
        appt = Appointment.objects.for_user(request.user).filter(pk=v.get("appointment") or 0).first()
        ro = services.ro_receive(
            actor=request.user, store=store, vehicle=vehicle, data=v, package=package, appointment=appt
        )
        resp = _ok(ro)
        resp.status_code = status.HTTP_201_CREATED
        return resp

    @extend_schema(request=s.LabourAddSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def labour(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.LabourAddSerializer)
        op = None
        if v.get("operation"):
            op = LabourOperation.objects.filter(group=ro.store.group, code=v["operation"]).first()
            if op is None:
                raise ValidationError({"operation": [_("工时代码不存在")]})
        services.ro_labour_add(
            actor=request.user,
            ro=ro,
            operation=op,
            name=v.get("name", ""),
            hours=v.get("hours"),
            payer=v["payer"],
        )
        return _ok(ro)

    @extend_schema(request=s.PartAddSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def parts(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.PartAddSerializer)
        part = part_by_number(ro.store.group, v["part_no"])
        if part is None:
            raise ValidationError({"part_no": [_("配件不存在")]})
        services.ro_part_add(actor=request.user, ro=ro, part=part, qty=v["qty"], payer=v["payer"])
        return _ok(ro)

    @extend_schema(request=None, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def estimate(self, request, pk=None):
        ro = self.get_object()
        services.ro_estimate_submit(actor=request.user, ro=ro)
        return _ok(ro)

    @extend_schema(request=s.ConfirmSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.ConfirmSerializer)
        services.ro_estimate_confirm(
            actor=request.user,
            ro=ro,
            signer_name=v["signer_name"],
            method=v["method"],
            signature=v.get("signature", ""),
        )
        return _ok(ro)

    @extend_schema(request=s.ConfirmSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-added")
    def confirm_added(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.ConfirmSerializer)
        services.ro_added_confirm(
            actor=request.user,
            ro=ro,
            signer_name=v["signer_name"],
            method=v["method"],
            signature=v.get("signature", ""),
            approved=v["approved"],
        )
        return _ok(ro)

    @extend_schema(request=s.IssueAllSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"], url_path="issue-parts")
    def issue_parts(self, request, pk=None):
        """全部发料: every approved part line still to issue, in one pass (lines short of stock become 缺件)."""
        ro = self.get_object()
        v = _valid(request, s.IssueAllSerializer)
        services.ro_parts_issue(actor=request.user, ro=ro, old_part_handed_in=v["old_part_handed_in"])
        return _ok(ro)

    @extend_schema(request=s.ReasonSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.ReasonSerializer)
        services.ro_cancel(actor=request.user, ro=ro, reason=v["reason"])
        return _ok(ro)

    @extend_schema(request=s.QCSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def qc(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.QCSerializer)
        services.qc_record(
            actor=request.user,
            ro=ro,
            checklist=v["checklist"],
            passed=v["passed"],
            reason=v.get("reason", ""),
            rework_lines=v.get("rework_lines", []),
        )
        return _ok(ro)

    @extend_schema(request=s.SettleSerializer, responses={201: s.SettlementSerializer})
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        v = _valid(request, s.SettleSerializer)
        st = services.ro_settle(
            actor=request.user,
            ro=self.get_object(),
            on_account=v["on_account"],
            invoice_kind=v["invoice_kind"],
        )
        return Response(s.SettlementSerializer(st).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses={201: s.SettlementSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        v = _valid(request, s.ReasonSerializer)
        st = services.ro_settlement_reverse(actor=request.user, ro=self.get_object(), reason=v["reason"])
        return Response(s.SettlementSerializer(st).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DeliverSerializer, responses=s.RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        ro = self.get_object()
        v = _valid(request, s.DeliverSerializer)
        services.ro_deliver(
            actor=request.user,
            ro=ro,
            next_date=v.get("next_date"),
            next_km=v.get("next_km"),
        )
        return _ok(ro)


class LabourLineViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Labour lines: dispatch (派工) and clocking (打卡: on, off = finished with self-check, pause)."""

    queryset = LabourLine.objects.all()
    serializer_class = s.LabourLineSerializer
    action_perms = {"clock": ["service.work_repairorder"], "assign": ["service.dispatch_repairorder"]}

    def get_queryset(self):
        return selectors.labour_lines_for(self.request.user)

    @extend_schema(request=s.ClockSerializer, responses=s.LabourLineSerializer)
    @action(detail=True, methods=["post"])
    def clock(self, request, pk=None):
        line = self.get_object()
        v = _valid(request, s.ClockSerializer)
        if v["action"] == "on":
            services.clock_on(actor=request.user, line=line)
        else:
            services.clock_off(
                actor=request.user,
                line=line,
                finished=v["action"] == "off",
                reason=v.get("reason", ""),
                note=v.get("note", ""),
            )
        return Response(s.LabourLineSerializer(LabourLine.objects.get(pk=line.pk)).data)

    @extend_schema(request=s.DispatchSerializer, responses=s.LabourLineSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def assign(self, request, pk=None):
        line = self.get_object()
        v = _valid(request, s.DispatchSerializer)
        # only the store's technicians: an unknown id and another store's user get the same answer
        tech = users_with_role(line.ro.store, Role.TECHNICIAN).filter(pk=v["technician"]).first()
        if tech is None:
            raise ValidationError({"technician": [_("请选择本店的技师")]})
        bay = Bay.objects.filter(store=line.ro.store, pk=v.get("bay") or 0).first()
        services.line_dispatch(actor=request.user, line=line, technician=tech, bay=bay)
        return Response(s.LabourLineSerializer(LabourLine.objects.get(pk=line.pk)).data)


class PartLineViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Part lines: requisition (领料申请) and issue from stock (发料, 交旧领新)."""

    queryset = PartLine.objects.all()
    serializer_class = s.PartLineSerializer
    action_perms = {"request_issue": ["service.view_repairorder"], "issue": ["service.issue_repairorder"]}

    def get_queryset(self):
        return selectors.part_lines_for(self.request.user)

    @extend_schema(request=None, responses=s.PartLineSerializer)
    @action(detail=True, methods=["post"], url_path="request")
    def request_issue(self, request, pk=None):
        return Response(
            s.PartLineSerializer(services.part_request(actor=request.user, line=self.get_object())).data
        )

    @extend_schema(request=s.IssueSerializer, responses=s.PartLineSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        v = _valid(request, s.IssueSerializer)
        line = services.part_issue(
            actor=request.user,
            line=self.get_object(),
            qty=v.get("qty"),
            old_part_handed_in=v["old_part_handed_in"],
        )
        return Response(s.PartLineSerializer(line).data)
