"""The customer care API (/api/v1/crm/…): care tasks with their calls (``call``, ``reassign``), calls,
complaints with their steps, survey results and campaigns (create, ``invite``). Store scoped; writes go
through the same services as the pages, a refusal is a 400 with its code and nothing is written."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin, request_store, validated
from fours.customers.models import CareTask, Customer, Vehicle

from .. import services
from ..models import Call, Campaign, Complaint, SurveyResponse
from . import serializers as s


class CareTaskViewSet(ScopedReadOnlyViewSet):
    """回访任务: the store's care tasks; POST ``call`` records a call, ``reassign`` hands it over."""

    queryset = CareTask.objects.all()
    serializer_class = s.CareTaskSerializer
    filterset_fields = ["status", "kind", "assignee", "due_date"]
    action_perms = {
        "list": ["crm.view_call"],
        "retrieve": ["crm.view_call"],
        "call": ["crm.add_call"],
        "reassign": ["crm.change_call"],
    }

    def get_queryset(self):
        return (
            super().get_queryset().select_related("customer", "assignee", "store").order_by("due_date", "id")
        )

    @extend_schema(request=s.CallCreateSerializer, responses={201: s.CallSerializer})
    @action(detail=True, methods=["post"])
    def call(self, request, pk=None):
        v = validated(request, s.CallCreateSerializer)
        c = services.call_record(actor=request.user, task=self.get_object(), **v)
        return Response(s.CallSerializer(c).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReassignSerializer, responses=s.CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        v = validated(request, s.ReassignSerializer)
        user = get_user_model().objects.filter(pk=v["assignee"]).first()
        t = services.care_task_reassign(actor=request.user, task=self.get_object(), assignee=user)
        return Response(s.CareTaskSerializer(t).data)


class CallViewSet(ScopedReadOnlyViewSet):
    """《回访记录表》."""

    queryset = Call.objects.all()
    serializer_class = s.CallSerializer
    filterset_fields = ["result", "satisfaction", "task"]

    def get_queryset(self):
        return super().get_queryset().order_by("-at", "-id")


class ComplaintViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """客户投诉 (《顾客投诉登记表》); each step is a POST action: ``step/judge``, ``step/propose``,
    ``step/approve``, ``step/done``, ``step/confirm``, ``step/close``; the services check the workflow and
    the step's permission."""

    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintSerializer
    filterset_fields = ["status", "category", "severity", "customer"]
    action_perms = {
        step: ["crm.view_complaint"] for step in ("judge", "propose", "approve", "done", "confirm", "close")
    }

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "store").order_by("-id")

    @extend_schema(request=s.ComplaintCreateSerializer, responses={201: s.ComplaintSerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, s.ComplaintCreateSerializer)
        store = request_store(request, v.get("store"))
        customer = Customer.objects.filter(group=store.group, pk=v["customer"]).first()
        if customer is None:
            raise NotFound()
        vehicle = None
        if v.get("vehicle"):
            vehicle = get_object_or_404(Vehicle.objects.filter(group=store.group), pk=v["vehicle"])
        c = services.complaint_register(
            actor=request.user,
            store=store,
            customer=customer,
            vehicle=vehicle,
            channel=v["channel"],
            severity=v.get("severity", "normal"),
            content=v["content"],
            department=v.get("department", ""),
        )
        return Response(s.ComplaintSerializer(c).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ComplaintJudgeSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/judge")
    def judge(self, request, pk=None):
        v = validated(request, s.ComplaintJudgeSerializer)
        c = services.complaint_judge(
            actor=request.user,
            complaint=self.get_object(),
            valid=v["valid"],
            department=v.get("department", ""),
            note=v.get("note", ""),
        )
        return Response(s.ComplaintSerializer(c).data)

    @extend_schema(request=s.ComplaintProposeSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/propose")
    def propose(self, request, pk=None):
        v = validated(request, s.ComplaintProposeSerializer)
        complaint = self.get_object()
        person = get_user_model().objects.filter(pk=v.get("person") or 0).first()
        c = services.complaint_investigate(
            actor=request.user,
            complaint=complaint,
            cause=v.get("cause", ""),
            category=v.get("category", ""),
            solution=v.get("solution", ""),
            compensation=v.get("compensation") or 0,
            person=person,
        )
        return Response(s.ComplaintSerializer(c).data)

    @extend_schema(request=s.ComplaintApproveSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/approve")
    def approve(self, request, pk=None):
        v = validated(request, s.ComplaintApproveSerializer)
        c = services.complaint_approve(
            actor=request.user, complaint=self.get_object(), approve=v["approve"], note=v.get("note", "")
        )
        return Response(s.ComplaintSerializer(c).data)

    @extend_schema(request=s.ComplaintNoteSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/done")
    def done(self, request, pk=None):
        v = validated(request, s.ComplaintNoteSerializer)
        c = services.complaint_done(actor=request.user, complaint=self.get_object(), note=v.get("note", ""))
        return Response(s.ComplaintSerializer(c).data)

    @extend_schema(request=s.ComplaintConfirmSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/confirm")
    def confirm(self, request, pk=None):
        v = validated(request, s.ComplaintConfirmSerializer)
        c = services.complaint_confirm(
            actor=request.user,
            complaint=self.get_object(),
            method=v.get("method", ""),
            signature=v.get("signature", ""),
            recording=v.get("recording", ""),
        )
        return Response(s.ComplaintSerializer(c).data)

    @extend_schema(request=s.ComplaintNoteSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="step/close")
    def close(self, request, pk=None):
        v = validated(request, s.ComplaintNoteSerializer)
        c = services.complaint_close(actor=request.user, complaint=self.get_object(), note=v.get("note", ""))
        return Response(s.ComplaintSerializer(c).data)


class SurveyResponseViewSet(ScopedReadOnlyViewSet):
    """满意度结果 (CSI/SSI), with the people each scores."""

    queryset = SurveyResponse.objects.all()
    serializer_class = s.SurveyResponseSerializer
    filterset_fields = ["source", "advisor", "consultant", "technician", "answered_on"]

    def get_queryset(self):
        return super().get_queryset().select_related("survey").order_by("-answered_on", "-id")


class CampaignViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """市场活动 with their results (cost per lead and per sale, 投入产出); POST ``invite`` invites the segment."""

    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    filterset_fields = ["status"]
    action_perms = {"invite": ["crm.add_campaignmember"]}

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

    @extend_schema(request=s.CampaignCreateSerializer, responses={201: s.CampaignSerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, s.CampaignCreateSerializer)
        store = request_store(request, v.pop("store", None))
        c = services.campaign_create(actor=request.user, store=store, **v)
        return Response(s.CampaignSerializer(c).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.InviteSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        v = validated(request, s.InviteSerializer)
        c = self.get_object()
        services.campaign_invite(actor=request.user, campaign=c, body=v.get("body", ""), send=v["send"])
        return Response(s.CampaignSerializer(c).data)
