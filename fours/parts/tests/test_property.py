"""Stateful property test of the stock ledger (hypothesis RuleBasedStateMachine).

Random receipts, counter sales, customer returns, transfers, stocktake adjustments and reversals; after
every step: balances equal the sum of moves, on-hand is never negative where not allowed, and the
moving-average cost equals an independent recomputation kept by the test."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory, StoreFactory, user_with_role
from fours.parts.choices import MoveKind
from fours.parts.models import StockBalance, StockMove
from fours.parts.selectors import stock_differences
from fours.parts.services import stock_issue, stock_move_reverse, stock_receive, stock_return

from .factories import PartFactory

C2 = Decimal("0.01")
C4 = Decimal("0.0001")

qtys = st.integers(min_value=1, max_value=30).map(Decimal)
costs = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2)


class Book:
    """The test's own ledger of one store × part (written independently of the service code)."""

    def __init__(self):
        self.q = Decimal(0)
        self.v = Decimal(0)
        self.avg = Decimal(0)

    def inbound(self, qty, cost):
        self.q += qty
        if self.q == 0:
            self.v = Decimal(0)
        else:
            self.v += (qty * cost).quantize(C2, ROUND_HALF_UP)
        if self.q > 0 and self.v > 0:
            self.avg = (self.v / self.q).quantize(C4, ROUND_HALF_UP)
        else:
            self.avg = cost

    def outbound_at_avg(self, qty):
        self.q -= qty
        self.v = Decimal(0) if self.q == 0 else self.v - (qty * self.avg).quantize(C2, ROUND_HALF_UP)

    def outbound_at(self, qty, cost):
        self.q -= qty
        self.v = Decimal(0) if self.q == 0 else self.v - (qty * cost).quantize(C2, ROUND_HALF_UP)
        if self.q > 0 and self.v > 0:
            self.avg = (self.v / self.q).quantize(C4, ROUND_HALF_UP)
        else:
            self.avg = cost


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        group = DealerGroupFactory()
        self.strict = StoreFactory(group=group)  # no negative stock
        self.loose = StoreFactory(group=group, allow_negative_stock=True)
        self.stores = [self.strict, self.loose]
        self.parts = [PartFactory(group=group) for _ in range(2)]
        self.actor = user_with_role(Role.PARTS_MANAGER, self.strict)
        user_with_role(Role.PARTS_MANAGER, self.loose, self.actor.username)
        self.books = {(s.pk, p.pk): Book() for s in self.stores for p in self.parts}
        self.moves: list[StockMove] = []

    def book(self, store, part):
        return self.books[(store.pk, part.pk)]

    def _try(self, fn, **kw):
        n = StockMove.objects.filter(store__in=self.stores).count()
        try:
            return fn(**kw)
        except BusinessError:
            assert StockMove.objects.filter(store__in=self.stores).count() == n
            return None

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), qty=qtys, cost=costs)
    def receive(self, s, p, qty, cost):
        store, part = self.stores[s], self.parts[p]
        m = stock_receive(actor=self.actor, store=store, part=part, qty=qty, unit_cost=cost, doc=part)
        self.book(store, part).inbound(qty, cost)
        self.moves.append(m)

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), qty=qtys)
    def sell(self, s, p, qty):
        store, part = self.stores[s], self.parts[p]
        b = self.book(store, part)
        m = self._try(
            stock_issue,
            actor=self.actor,
            store=store,
            part=part,
            qty=qty,
            doc=part,
            kind=MoveKind.COUNTER_SALE,
        )
        if m is None:
            assert not store.allow_negative_stock and qty > b.q
            return
        assert store.allow_negative_stock or qty <= b.q
        b.outbound_at_avg(qty)
        self.moves.append(m)

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), qty=qtys)
    def customer_return(self, s, p, qty):
        store, part = self.stores[s], self.parts[p]
        b = self.book(store, part)
        cost = b.avg
        m = stock_return(
            actor=self.actor, store=store, part=part, qty=qty, doc=part, kind=MoveKind.CUSTOMER_RETURN
        )
        b.inbound(qty, cost)
        self.moves.append(m)

    @rule(p=st.integers(0, 1), qty=qtys, direction=st.booleans())
    def transfer(self, p, qty, direction):
        src, dst = (self.strict, self.loose) if direction else (self.loose, self.strict)
        part = self.parts[p]
        out = self._try(
            stock_issue, actor=self.actor, store=src, part=part, qty=qty, doc=part, kind=MoveKind.TRANSFER_OUT
        )
        if out is None:
            return
        self.book(src, part).outbound_at_avg(qty)
        inn = stock_receive(
            actor=self.actor,
            store=dst,
            part=part,
            qty=qty,
            unit_cost=out.unit_cost,
            doc=part,
            kind=MoveKind.TRANSFER_IN,
        )
        self.book(dst, part).inbound(qty, out.unit_cost)
        self.moves += [out, inn]

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), delta=st.integers(-5, 5).filter(bool).map(Decimal))
    def stocktake_adjust(self, s, p, delta):
        store, part = self.stores[s], self.parts[p]
        b = self.book(store, part)
        if delta > 0:
            cost = b.avg
            m = stock_receive(
                actor=self.actor,
                store=store,
                part=part,
                qty=delta,
                unit_cost=cost,
                doc=part,
                kind=MoveKind.STOCKTAKE_GAIN,
            )
            b.inbound(delta, cost)
        else:
            m = self._try(
                stock_issue,
                actor=self.actor,
                store=store,
                part=part,
                qty=-delta,
                doc=part,
                kind=MoveKind.STOCKTAKE_LOSS,
            )
            if m is None:
                return
            b.outbound_at_avg(-delta)
        self.moves.append(m)

    @precondition(lambda self: self.moves)
    @rule(i=st.integers(min_value=0))
    def reverse(self, i):
        move = self.moves[i % len(self.moves)]
        b = self.book(move.store, move.part)
        rev = self._try(stock_move_reverse, actor=self.actor, move=move)
        if rev is None:
            return
        if move.qty > 0:
            b.outbound_at(move.qty, move.unit_cost)
        else:
            b.inbound(-move.qty, move.unit_cost)
        self.moves.remove(move)

    @invariant()
    def ledger_holds(self):
        for store in self.stores:
            assert stock_differences(store) == []
        for bal in StockBalance.objects.filter(store__in=self.stores):
            b = self.books[(bal.store_id, bal.part_id)]
            assert bal.on_hand == b.q
            assert bal.value == b.v, (bal.value, b.v)
            assert bal.avg_cost == b.avg, (bal.avg_cost, b.avg)
            if bal.store_id == self.strict.pk:
                assert bal.on_hand >= 0


@pytest.mark.django_db
def test_stock_ledger_state_machine():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
