"""Prepaid-fee supervision: the escrow ledger's invariants, the limits, refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.alerts.models import Alert
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.institutions import (
    LedgerIn,
    institution_register,
    ledger_balance,
    ledger_record,
    prepaid_findings,
    resident_admit,
    resident_discharge,
    resident_holdings,
)
from minzheng.eldercare.models import LedgerEntry
from tests.eldercare.test_institution import institution_data

ON = dt.date(2026, 3, 2)
FEE = Decimal("3000.00")  # monthly fee: deposit limit 36000 (12 months), membership 60000 (20)


@pytest.fixture
def resident(yangshe_clerk, elder):
    institution = institution_register(acting_user=yangshe_clerk, data=institution_data())
    return resident_admit(
        acting_user=yangshe_clerk,
        institution=institution,
        person=elder,
        admitted_on=dt.date(2026, 1, 10),
        bed_number="A-1",
        monthly_fee=FEE,
    )


def receipt(fund: str, amount: str, channel: str = "bank") -> LedgerIn:
    return LedgerIn(fund=fund, kind="receipt", amount=Decimal(amount), on=ON, channel=channel)


def withdrawal(fund: str, amount: str) -> LedgerIn:
    purpose = "medical" if fund == "deposit" else "membership_service"
    return LedgerIn(
        fund=fund,
        kind="withdrawal",
        amount=Decimal(amount),
        on=ON,
        purpose=purpose,
        evidence="张家港市第一人民医院急诊收费票据 No.001",
    )


def test_the_deposit_limit_alert_is_silent_at_the_limit_and_raised_one_fen_above(
    yangshe_clerk, resident
):
    _, raised = ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "36000.00")
    )
    assert raised == 0

    _, raised = ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "0.01")
    )

    alert = Alert.objects.get()
    assert (raised, alert.kind, alert.person_id) == (
        1,
        "eldercare.prepaid_over_limit",
        resident.person_id,
    )
    assert alert.data == {
        "institution": resident.institution_id,
        "resident": resident.pk,
        "fund": "deposit",
        "held": "36000.01",
        "limit": "36000.00",
    }


def test_the_membership_fee_limit_is_20_months_of_fees(yangshe_clerk, resident):
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("membership", "60000"))
    assert prepaid_findings(on=ON).over_limit == []

    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("membership", "1"))

    [row] = prepaid_findings(on=ON).over_limit
    assert (row.fund, row.held, row.limit) == (
        "membership",
        Decimal("60001.00"),
        Decimal("60000.00"),
    )


def test_a_public_institution_may_hold_no_membership_fee(yangshe_clerk, resident):
    institution = resident.institution
    institution.kind = "public"
    institution.save()

    _, raised = ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=receipt("membership", "0.01")
    )

    assert raised == 1
    assert (
        Alert.objects.get().reason == "杨舍镇敬老院为一名入住老人收取的会员费0.01元，超过上限0.00元"
    )


def test_a_withdrawal_above_the_holding_is_refused_and_changes_nothing(yangshe_clerk, resident):
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "1000"))

    with pytest.raises(EldercareError) as error:
        ledger_record(
            acting_user=yangshe_clerk, resident=resident, data=withdrawal("deposit", "1000.01")
        )

    assert error.value.messages_zh == ["支取金额超过该老人押金余额1000.00元"]
    assert LedgerEntry.objects.count() == 1


def test_a_withdrawal_needs_its_evidence_and_a_purpose_fitting_the_fund(yangshe_clerk, resident):
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "1000"))

    with pytest.raises(EldercareError) as error:
        ledger_record(
            acting_user=yangshe_clerk,
            resident=resident,
            data=LedgerIn(
                fund="deposit",
                kind="withdrawal",
                amount=Decimal("10"),
                on=ON,
                purpose="membership_service",
            ),
        )

    assert [field for field, _, _ in error.value.problems] == ["purpose", "evidence"]


def test_withdrawals_keep_the_risk_reserve(yangshe_clerk, resident):
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("membership", "10000"))

    with pytest.raises(EldercareError) as error:
        ledger_record(
            acting_user=yangshe_clerk, resident=resident, data=withdrawal("membership", "8000.01")
        )
    ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=withdrawal("membership", "8000.00")
    )

    assert error.value.messages_zh == ["支取后账户余额将低于风险保证金2000.00元"]
    assert ledger_balance(institution_id=resident.institution_id) == Decimal("2000.00")


def test_a_refund_is_one_payment_by_the_original_channel_after_discharge(yangshe_clerk, resident):
    ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "5000", "wechat")
    )
    refund = LedgerIn(
        fund="deposit", kind="refund", amount=Decimal("5000"), on=ON, channel="wechat"
    )
    with pytest.raises(EldercareError) as before_discharge:
        ledger_record(acting_user=yangshe_clerk, resident=resident, data=refund)
    resident_discharge(acting_user=yangshe_clerk, resident=resident, on=ON, reason="home")

    with pytest.raises(EldercareError) as partial:
        ledger_record(
            acting_user=yangshe_clerk,
            resident=resident,
            data=LedgerIn(
                fund="deposit", kind="refund", amount=Decimal("4000"), on=ON, channel="bank"
            ),
        )
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=refund)

    assert before_discharge.value.messages_zh == ["老人退住后方可退费"]
    assert partial.value.messages_zh == [
        "退费须一次性退还全部余额5000.00元",
        "退费须原路退回（微信支付）",
    ]
    assert resident_holdings(resident_ids=[resident.pk]) == {
        (resident.pk, "deposit"): Decimal("0.00")
    }


def test_a_refund_past_its_deadline_is_found_and_not_before(yangshe_clerk, resident):
    ledger_record(acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "5000"))
    resident_discharge(acting_user=yangshe_clerk, resident=resident, on=ON, reason="death")

    assert prepaid_findings(on=ON + dt.timedelta(days=7)).late_refunds == []
    [late] = prepaid_findings(on=ON + dt.timedelta(days=8)).late_refunds
    assert (late.held, late.due_on) == (Decimal("5000.00"), ON + dt.timedelta(days=7))


def test_a_correction_is_a_new_row_reversing_the_wrong_one(yangshe_clerk, resident):
    wrong, _ = ledger_record(
        acting_user=yangshe_clerk, resident=resident, data=receipt("deposit", "5000")
    )
    correction = LedgerIn(
        fund="deposit",
        kind="correction",
        amount=Decimal("500"),
        on=ON,
        corrects_id=wrong.pk,
        note="多录500元",
    )

    ledger_record(acting_user=yangshe_clerk, resident=resident, data=correction)
    with pytest.raises(EldercareError):
        ledger_record(
            acting_user=yangshe_clerk,
            resident=resident,
            data=LedgerIn(**{**correction.__dict__, "amount": Decimal("4500.01")}),
        )

    wrong.refresh_from_db()
    assert wrong.amount == Decimal("5000.00")
    assert ledger_balance(institution_id=resident.institution_id) == Decimal("4500.00")


def test_another_town_cannot_record_a_ledger_row(tangqiao_clerk, resident):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ledger_record(acting_user=tangqiao_clerk, resident=resident, data=receipt("deposit", "1"))

    assert LedgerEntry.objects.count() == 0


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["receipt", "withdrawal", "refund", "correction"]),
        st.sampled_from(["deposit", "membership"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9000"), places=2),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_the_balance_is_inflows_less_outflows_and_never_negative(
    yangshe_clerk, resident, operations
):
    LedgerEntry.objects.filter(corrects__isnull=False).delete()  # a fresh account each example
    LedgerEntry.objects.all().delete()
    Alert.objects.all().delete()
    resident.discharged_on = None
    resident.save()
    accepted = Decimal("0")
    for index, (kind, fund, amount) in enumerate(operations):
        if index == len(operations) // 2 and kind == "refund":
            resident_discharge(acting_user=yangshe_clerk, resident=resident, on=ON, reason="home")
            resident.refresh_from_db()
        held = resident_holdings(resident_ids=[resident.pk]).get((resident.pk, fund), Decimal(0))
        corrects = (
            LedgerEntry.objects.filter(resident=resident, fund=fund)
            .exclude(kind="correction")
            .first()
        )
        data = LedgerIn(
            fund=fund,
            kind=kind,
            amount=held if kind == "refund" and held > 0 else amount,
            on=ON,
            channel="bank" if kind in ("receipt", "refund") else "",
            purpose={"deposit": "arrears", "membership": "membership_service"}[fund],
            evidence="凭证",
            corrects_id=corrects.pk if corrects else None,
            note="冲正",
        )
        before = ledger_balance(institution_id=resident.institution_id)
        try:
            entry, _ = ledger_record(acting_user=yangshe_clerk, resident=resident, data=data)
        except EldercareError:
            assert ledger_balance(institution_id=resident.institution_id) == before
            continue
        accepted += entry.signed_amount
        assert entry.is_inflow or entry.amount <= before

        balance = ledger_balance(institution_id=resident.institution_id)
        assert balance == accepted >= 0
        holdings = resident_holdings(resident_ids=[resident.pk])
        assert all(value >= 0 for value in holdings.values())
        assert sum(holdings.values()) == balance
