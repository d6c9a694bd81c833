"""Supplier acquisition: the operator's pipeline from a prospective supplier to an active one.

Stages: prospect (the operator added the company) → invited (an invitation mail with the
registration link went out) → onboarded (the company registered and its first import
succeeded) → active (an import succeeded or buyers clicked out to it within ``ACTIVE_DAYS``).

The first two moves are the operator's; the others the worker sees happen
(:func:`refresh_stages`, every pass). A prospect becomes a supplier when a supplier's team
member or its contact address has the prospect's e-mail, or when the operator links one by hand.

Why "active" means an import or a click-out within 30 days: a feed is fetched daily and an
uploaded price list is refreshed at least monthly by a supplier who cares, so a supplier with
no good import for 30 days shows stale prices; a supplier with a fixed list that buyers still
click out to is still worth something to the row. Either keeps it active. Neither in 30 days,
and it falls back to onboarded: "active" is a state of the last month, not a medal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import ClickOut
from marketplace.crm.normalise import normalise_email, normalise_phone
from marketplace.crm.prospects import ProspectMove, ProspectStage, SupplierProspect
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.notifications.services import queue_mail
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier

logger = logging.getLogger(__name__)

#: The stages in pipeline order.
STAGES = (ProspectStage.PROSPECT, ProspectStage.INVITED, ProspectStage.ONBOARDED, ProspectStage.ACTIVE)
#: A supplier is active while it had a good import or a click-out within this many days.
ACTIVE_DAYS = 30
#: The languages an invitation can be written in.
LANGUAGES = ("uk", "ru", "en")
MAX_NOTES = 5000

INVITATION_SUBJECT = _l("TradeRow: an invitation to show %(company)s's prices")
INVITATION_BODY = _l(
    "Hello %(name)s,\n\nTradeRow compares the prices of shops and wholesalers, and sends buyers to the "
    "supplier's own store. We would like %(company)s's offers on it. Registering and listing your price "
    'list are free: open the link below, choose "supplier" and upload your price list or give us the '
    "address of your feed.\n\nIf this is not for you, ignore this mail; we will not write again unless you answer."
)


class AcquisitionError(DomainError):
    """A prospect cannot be added or changed so; the message is fit to show, ``field`` names the input."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ProspectNotFound(AcquisitionError):
    """No such prospect."""


@dataclass(frozen=True)
class ProspectInput:
    """What the operator types about a prospective supplier."""

    company: str
    email: str
    contact_person: str | None = None
    phone: str | None = None
    language: str = "uk"
    notes: str | None = None


def _move(prospect: SupplierProspect, stage: ProspectStage, actor: User | None, now: dt.datetime) -> None:
    prospect.moves.append(
        ProspectMove(from_stage=prospect.stage, to_stage=stage, actor_id=actor.id if actor else None, created_at=now)
    )
    prospect.stage, prospect.stage_at = stage, now


def _clean(data: ProspectInput) -> ProspectInput:
    company = data.company.strip()
    if not company:
        raise AcquisitionError(_l("Name the company."), field="company")
    email = normalise_email(data.email)
    if email is None:
        raise AcquisitionError(_l("Give an e-mail address such as sales@example.com."), field="email")
    if data.language not in LANGUAGES:
        raise AcquisitionError(_l("Choose the language of the invitation."), field="language")
    notes = (data.notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise AcquisitionError(_l("Notes have at most %(limit)s characters.", limit=MAX_NOTES), field="notes")
    return ProspectInput(
        company=company[:255],
        email=email,
        contact_person=(data.contact_person or "").strip()[:255] or None,
        phone=normalise_phone(data.phone) or ((data.phone or "").strip()[:40] or None),
        language=data.language,
        notes=notes or None,
    )


def add_prospect(
    session: Session, data: ProspectInput, actor: User, *, now: dt.datetime | None = None
) -> SupplierProspect:
    """Add a prospective supplier at the first stage; raise ``AcquisitionError`` for bad input or a known address."""
    now = now or utcnow()
    clean = _clean(data)
    if session.scalar(select(SupplierProspect.id).where(SupplierProspect.email == clean.email)) is not None:
        raise AcquisitionError(_l("A prospect with this e-mail is already in the pipeline."), field="email")
    prospect = SupplierProspect(
        company=clean.company,
        email=clean.email,
        contact_person=clean.contact_person,
        phone=clean.phone,
        language=clean.language,
        notes=clean.notes,
        stage=ProspectStage.PROSPECT,
        stage_at=now,
        created_by_id=actor.id,
        created_at=now,
    )
    prospect.moves.append(
        ProspectMove(from_stage=None, to_stage=ProspectStage.PROSPECT, actor_id=actor.id, created_at=now)
    )
    session.add(prospect)
    session.flush()
    _link_by_email(session, prospect)
    logger.info("Operator %d added prospective supplier %d (%s)", actor.id, prospect.id, prospect.company)
    return prospect


def update_prospect(session: Session, prospect: SupplierProspect, data: ProspectInput, actor: User) -> SupplierProspect:
    """Change what the operator knows of a prospect; its stage stays."""
    clean = _clean(data)
    taken = session.scalar(
        select(SupplierProspect.id).where(SupplierProspect.email == clean.email, SupplierProspect.id != prospect.id)
    )
    if taken is not None:
        raise AcquisitionError(_l("A prospect with this e-mail is already in the pipeline."), field="email")
    prospect.company, prospect.email, prospect.contact_person = clean.company, clean.email, clean.contact_person
    prospect.phone, prospect.language, prospect.notes = clean.phone, clean.language, clean.notes
    session.flush()
    logger.info("Operator %d changed prospective supplier %d", actor.id, prospect.id)
    return prospect


def get_prospect(session: Session, prospect_id: int) -> SupplierProspect:
    """Return one prospect; raise ``ProspectNotFound`` if there is none."""
    prospect = session.get(SupplierProspect, prospect_id)
    if prospect is None:
        raise ProspectNotFound(_l("There is no prospect %(id)s.", id=prospect_id))
    return prospect


def invitation_text(prospect: SupplierProspect) -> tuple[str, str]:
    """Return the subject and body of the invitation, in the prospect's language."""
    params = {"company": prospect.company, "name": prospect.contact_person or prospect.company}
    with force_locale(prospect.language):
        return str(INVITATION_SUBJECT) % params, str(INVITATION_BODY) % params


def invite(
    session: Session, prospect: SupplierProspect, actor: User, register_path: str, *, now: dt.datetime | None = None
) -> SupplierProspect:
    """Mail the prospect an invitation with the registration link and move it to invited.

    Inviting again (the first mail went unanswered) sends another mail and records the move
    again; a company already onboarded needs no invitation.
    """
    now = now or utcnow()
    if prospect.stage not in (ProspectStage.PROSPECT, ProspectStage.INVITED):
        raise AcquisitionError(_l("This supplier is already on TradeRow: there is nobody to invite."))
    subject, body = invitation_text(prospect)
    queue_mail(session, prospect.email, subject, body, link=register_path, locale=prospect.language)
    prospect.invited_at = now
    _move(prospect, ProspectStage.INVITED, actor, now)
    session.flush()
    logger.info("Operator %d invited prospective supplier %d (%s)", actor.id, prospect.id, prospect.email)
    return prospect


def link_supplier(
    session: Session, prospect: SupplierProspect, slug: str, actor: User, *, now: dt.datetime | None = None
) -> SupplierProspect:
    """Link the prospect to the supplier it became (it registered with another address), then see its stage."""
    supplier = session.scalar(select(Supplier).where(Supplier.slug == slug.strip()))
    if supplier is None:
        raise AcquisitionError(_l("There is no supplier with the address %(slug)s.", slug=slug.strip()), field="slug")
    other = session.scalar(
        select(SupplierProspect).where(SupplierProspect.supplier_id == supplier.id, SupplierProspect.id != prospect.id)
    )
    if other is not None:
        raise AcquisitionError(
            _l("That supplier belongs to the prospect %(company)s.", company=other.company), field="slug"
        )
    prospect.supplier_id = supplier.id
    session.flush()
    logger.info("Operator %d linked prospective supplier %d to supplier %d", actor.id, prospect.id, supplier.id)
    _see_stage(session, prospect, now or utcnow())
    return prospect


def _link_by_email(session: Session, prospect: SupplierProspect) -> None:
    """Link the prospect to a supplier whose team member or contact address is the prospect's e-mail."""
    if prospect.supplier_id is not None:
        return
    member = select(User.supplier_id).where(
        func.lower(User.email) == prospect.email, User.role == Role.SUPPLIER, User.supplier_id.is_not(None)
    )
    contact = select(Supplier.id).where(func.lower(Supplier.contact_email) == prospect.email)
    taken = select(SupplierProspect.supplier_id).where(SupplierProspect.supplier_id.is_not(None))
    supplier_id = session.scalar(
        select(Supplier.id)
        .where(or_(Supplier.id.in_(member), Supplier.id.in_(contact)), Supplier.id.not_in(taken))
        .order_by(Supplier.id)
        .limit(1)
    )
    if supplier_id is not None:
        prospect.supplier_id = supplier_id
        session.flush()


def _see_stage(session: Session, prospect: SupplierProspect, now: dt.datetime) -> bool:
    """Move a linked prospect to the stage its imports and click-outs show; return whether it moved."""
    supplier_id = prospect.supplier_id
    if supplier_id is None:
        return False
    good = (ImportRun.supplier_id == supplier_id, ImportRun.status == ImportStatus.SUCCEEDED)
    if not session.scalar(select(exists().where(*good))):
        return False  # registered, but no price list yet: still prospect or invited
    since = now - dt.timedelta(days=ACTIVE_DAYS)
    recent_import = exists().where(*good, func.coalesce(ImportRun.finished_at, ImportRun.created_at) >= since)
    recent_click = exists().where(ClickOut.supplier_id == supplier_id, ClickOut.created_at >= since)
    active = bool(session.scalar(select(or_(recent_import, recent_click))))
    wanted = ProspectStage.ACTIVE if active else ProspectStage.ONBOARDED
    if wanted == prospect.stage:
        return False
    if prospect.stage in (ProspectStage.PROSPECT, ProspectStage.INVITED):
        # The first good import is the onboarding, even when the same pass finds it active.
        _move(prospect, ProspectStage.ONBOARDED, None, now)
    if wanted != prospect.stage:
        _move(prospect, wanted, None, now)
    logger.info("Prospective supplier %d is now %s", prospect.id, prospect.stage)
    return True


def refresh_stages(session: Session, *, now: dt.datetime | None = None) -> int:
    """Link prospects to the suppliers they became and move them as their imports and click-outs show; return moves."""
    now = now or utcnow()
    prospects = session.scalars(
        select(SupplierProspect).options(selectinload(SupplierProspect.moves)).order_by(SupplierProspect.id)
    ).all()
    moved = 0
    for prospect in prospects:
        _link_by_email(session, prospect)
        moved += _see_stage(session, prospect, now)
    session.flush()
    return moved


@dataclass(frozen=True)
class StageCount:
    """How many prospects are in one stage."""

    stage: ProspectStage
    count: int


def stage_counts(session: Session) -> list[StageCount]:
    """Return how many prospects each stage holds, in pipeline order."""
    rows: dict[str, int] = {
        stage: count
        for stage, count in session.execute(
            select(SupplierProspect.stage, func.count()).group_by(SupplierProspect.stage)
        )
    }
    return [StageCount(stage, rows.get(stage, 0)) for stage in STAGES]


def list_prospects(
    session: Session, *, stage: ProspectStage | None = None, limit: int = 500
) -> Sequence[SupplierProspect]:
    """Return the prospects, in ``stage`` if given, the latest moved first."""
    query = select(SupplierProspect).options(selectinload(SupplierProspect.supplier))
    if stage is not None:
        query = query.where(SupplierProspect.stage == stage)
    return session.scalars(
        query.order_by(SupplierProspect.stage_at.desc(), SupplierProspect.id.desc()).limit(limit)
    ).all()
