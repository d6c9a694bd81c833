"""The leads page's board view, its won/lost chart and its stage filter (issue 16 §2)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.shops.leads import LeadChange, add_lead, move_lead
from marketplace.shops.models import Lead, LeadStatus
from marketplace.suppliers.models import Supplier
from tests.support.accounts import login


def _leads(db_session: Session, supplier: Supplier, member: User) -> list[Lead]:
    made = []
    for name, stage in (
        ("Anna", None),
        ("Borys", LeadStatus.CONTACTED),
        ("Vira", LeadStatus.WON),
        ("Hlib", LeadStatus.LOST),
    ):
        lead = add_lead(db_session, Lead(supplier_id=supplier.id, buyer_name=name, company=f"{name} LLC"), tell=False)
        if stage is not None:
            change = LeadChange(stage=stage, lost_reason="Too dear" if stage == LeadStatus.LOST else None)
            move_lead(db_session, lead, change, member)
        made.append(lead)
    move_lead(db_session, made[2], LeadChange(value=Decimal("1500"), value_currency="UAH"), member)
    db_session.commit()
    return made


def test_the_board_shows_one_column_per_stage_with_its_leads(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    _leads(db_session, supplier, supplier_member)
    login(client, supplier_member)
    page = client.get("/portal/leads?view=board").text
    columns = re.findall(r'data-testid="board-(\w+)"', page)
    assert columns == ["new", "contacted", "offer_sent", "won", "lost"]
    won = page.split('data-testid="board-won"')[1].split("</section>")[0]
    assert "Vira LLC" in won and "Anna" not in won and "1,500.00" in won
    # The stage filter keeps the view, and the board then holds that stage's column only.
    only = client.get("/portal/leads?view=board&stage=lost").text
    assert re.findall(r'data-testid="board-(\w+)"', only) == ["lost"] and "Hlib LLC" in only
    assert 'href="/portal/leads?stage=won&amp;view=board"' in only
    # The table stays the default.
    assert client.get("/portal/leads").text.count('data-testid="lead-row"') == 4


def test_the_won_lost_chart_counts_the_months_wins_and_losses(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    leads = _leads(db_session, supplier, supplier_member)
    login(client, supplier_member)
    page = client.get("/portal/leads").text
    block = re.search(r'<script type="application/json" id="chart-data-won-lost">(.*?)</script>', page, re.S)
    assert block is not None, "the chart's data sits in a JSON block beside its canvas"
    spec = json.loads(block.group(1))
    month = leads[2].stage_at.strftime("%Y-%m") if leads[2].stage_at else ""
    assert spec["type"] == "bar" and spec["labels"] == [month]
    assert [(d["label"], d["data"]) for d in spec["datasets"]] == [("Won", [1]), ("Lost", [1])]
    assert "vendor/chartjs/chart.umd.min.js" in page and "charts.js" in page
    assert 'data-testid="chart-won-lost"' in page


def test_the_chart_is_left_out_until_a_lead_is_won_or_lost(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    add_lead(db_session, Lead(supplier_id=supplier.id, buyer_name="Anna"), tell=False)
    db_session.commit()
    login(client, supplier_member)
    page = client.get("/portal/leads").text
    assert "chart-data-won-lost" not in page and "No lead won or lost in the last twelve months." in page


def test_the_stage_filter_is_a_list_whose_separators_are_drawn_by_css(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    login(client, supplier_member)
    page = client.get("/portal/leads?stage=won").text
    nav = page.split('data-testid="stage-filter"')[1].split("</nav>")[0]
    # No loose "·" between links: on a phone each would wrap onto a line of its own.
    assert "·" not in nav and nav.count("<li>") == 6
    assert '<strong aria-current="page">Won</strong>' in nav


def test_opening_a_lead_marks_it_read(
    client: FlaskClient, db_session: Session, supplier: Supplier, supplier_member: User
) -> None:
    lead = add_lead(db_session, Lead(supplier_id=supplier.id, buyer_name="Anna"), tell=False)
    db_session.commit()
    login(client, supplier_member)
    assert "unread" in client.get("/portal/leads").text
    assert client.get(f"/portal/leads/{lead.id}").status_code == 200
    db_session.refresh(lead)
    assert lead.seen_at is not None
    assert "unread" not in client.get("/portal/leads").text
