"""The status machines of finance's documents, as data (``fours.core.workflows``)."""

from fours.core.workflows import Workflow

from .choices import RequestStatus

APPROVE = "finance.approve_paymentrequest"
PAY = "finance.change_paymentrequest"

# 付款通知书: 待审批 → 已批准 / 已驳回; an approved request is paid (in one or several payments) until 已付款
REQUEST = Workflow(
    "finance.PaymentRequest",
    choices=RequestStatus,
    transitions={
        RequestStatus.PENDING: {RequestStatus.APPROVED: APPROVE, RequestStatus.REJECTED: APPROVE},
        RequestStatus.APPROVED: {RequestStatus.PAID: PAY},
    },
    actions={"pay": ({RequestStatus.APPROVED}, PAY)},
)

# a request still holding its items: another request may not ask to pay them again
OPEN_REQUEST = (RequestStatus.PENDING, RequestStatus.APPROVED)
