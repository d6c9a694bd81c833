"""The portal's lead forms: move a lead through the pipeline, and note on it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.shops.leads import MAX_NOTE, MAX_STEP, STAGES
from marketplace.shops.models import LeadStatus

#: What each stage is called on the portal's pages.
STAGE_LABELS = {
    LeadStatus.NEW: _l("New"),
    LeadStatus.CONTACTED: _l("Contacted"),
    LeadStatus.OFFER_SENT: _l("Offer sent"),
    LeadStatus.WON: _l("Won"),
    LeadStatus.LOST: _l("Lost"),
}

#: What made each kind of lead.
SOURCE_LABELS = {
    "order": _l("Order request"),
    "quote": _l("Accepted quote"),
    "match": _l("Request matching your catalog"),
    "question": _l("Buyer's question"),
}


class LeadForm(FlaskForm):
    """A lead's stage (a lost one with a reason), value and next step."""

    stage = SelectField(_l("Stage"), choices=[SelectChoice(s.value, STAGE_LABELS[s]) for s in STAGES])
    lost_reason = StringField(_l("Why it was lost"), validators=[Optional(), Length(max=MAX_STEP)])
    value = DecimalField(_l("Value"), places=2, validators=[Optional(), NumberRange(min=0)])
    value_currency = StringField(_l("Currency"), validators=[Optional(), Length(min=3, max=3)])
    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=MAX_STEP)])
    next_step_at = DateField(_l("Next step by"), validators=[Optional()])


class NoteForm(FlaskForm):
    """A note on a lead."""

    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=MAX_NOTE)])
