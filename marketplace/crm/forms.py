"""Forms of the customer database (operators) and of the customer's rights (the account page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.crm.models import CustomerKind, NoteKind

#: A note's longest text.
MAX_NOTE = 5000


_SCORE_CHOICES = [SelectChoice("", _l("Any")), *(SelectChoice(str(n), str(n)) for n in range(2, 6))]


class CustomerSearchForm(FlaskForm):
    """The list's search box and filters; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, e-mail, phone or company"), validators=[Optional(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("", _l("Everyone")),
            SelectChoice(CustomerKind.BUYER.value, _l("Buyers")),
            SelectChoice(CustomerKind.SUPPLIER.value, _l("Suppliers")),
        ],
        validators=[Optional()],
    )
    b2b = SelectField(
        _l("Business"),
        choices=[
            SelectChoice("", _l("B2B and B2C")),
            SelectChoice("yes", _l("Companies (B2B)")),
            SelectChoice("no", _l("Private (B2C)")),
        ],
        validators=[Optional()],
    )
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("uk", "Українська"),
            SelectChoice("ru", "Русский"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )
    seen = SelectField(
        _l("Last seen"),
        choices=[
            SelectChoice("", _l("Any time")),
            SelectChoice("7", _l("In the last 7 days")),
            SelectChoice("30", _l("In the last 30 days")),
            SelectChoice("90", _l("In the last 90 days")),
            SelectChoice("365", _l("In the last year")),
            SelectChoice("never", _l("Never")),
        ],
        validators=[Optional()],
    )
    tier = SelectField(
        _l("Tier"),
        choices=[
            SelectChoice("", _l("Any tier")),
            SelectChoice("gold", _l("Gold")),
            SelectChoice("ordinary", _l("Ordinary")),
            SelectChoice("loss", _l("Loss-making")),
        ],
        validators=[Optional()],
    )
    r_min = SelectField(_l("Recency at least"), choices=_SCORE_CHOICES, validators=[Optional()])
    f_min = SelectField(_l("Frequency at least"), choices=_SCORE_CHOICES, validators=[Optional()])
    m_min = SelectField(_l("Value at least"), choices=_SCORE_CHOICES, validators=[Optional()])
    #: Its choices are the categories customers browse, set by the view (:meth:`offer_categories`).
    category = SelectField(_l("Browses the category"), choices=[], validate_choice=False, validators=[Optional()])

    def offer_categories(self, categories: list[tuple[int, str]]) -> None:
        """Offer these categories (id, name) in the category filter."""
        self.category.choices = [
            SelectChoice("", _l("Any category")),
            *(SelectChoice(str(i), n) for i, n in categories),
        ]


class SegmentForm(FlaskForm):
    """Save the list's current filters as a named segment (the filters ride in the query string)."""

    name = StringField(_l("Segment name"), validators=[DataRequired(_l("Give the segment a name.")), Length(max=100)])


class DeleteSegmentForm(FlaskForm):
    """Delete a segment: a button, with its CSRF token."""


class ValueSettingsForm(FlaskForm):
    """The operator's prices and tier rules."""

    clickout_price = DecimalField(
        _l("Price per click-out"), places=2, validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    lead_price = DecimalField(
        _l("Price per lead"), places=2, validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    hourly_cost = DecimalField(
        _l("Cost of an hour of the operator's time"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],
    )
    failed_import_cost = DecimalField(
        _l("Cost per failed import"), places=2, validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    note_minutes = IntegerField(_l("Minutes a note stands for"), validators=[InputRequired(), NumberRange(0, 600)])
    call_minutes = IntegerField(_l("Minutes a call stands for"), validators=[InputRequired(), NumberRange(0, 600)])
    gold_percent = IntegerField(
        _l("Gold: the top share by value, %"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    window_days = IntegerField(_l("Window, days"), validators=[InputRequired(), NumberRange(1, 730)])
    loss_when_cost_exceeds_value = BooleanField(_l("Loss-making when cost is above value"))


class NoteForm(FlaskForm):
    """A note or a call the operator logs on a customer's timeline."""

    kind = SelectField(
        _l("What"),
        choices=[SelectChoice(NoteKind.NOTE.value, _l("Note")), SelectChoice(NoteKind.CALL.value, _l("Call"))],
        default="note",
    )
    body = TextAreaField(
        _l("What happened"),
        validators=[DataRequired(_l("Write what happened.")), Length(max=MAX_NOTE)],
    )


class MergeForm(FlaskForm):
    """Merge one record of a duplicate group into another."""

    keep_id = HiddenField(validators=[DataRequired()])
    absorb_id = HiddenField(validators=[DataRequired()])

    def validate_absorb_id(self, field: HiddenField) -> None:
        if not (str(field.data).isdigit() and str(self.keep_id.data).isdigit()):
            raise ValidationError(_l("Choose two records."))


class ImportForm(FlaskForm):
    """A CSV file of customer records."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file to upload."))])


class DeleteAccountForm(FlaskForm):
    """Deleting one's own account, confirmed with the password."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password to confirm.")), Length(max=1000)]
    )


class CustomerForm(FlaskForm):
    """The operator's corrections to a record's contacts and company details."""

    name = StringField(_l("Name"), validators=[Length(max=255)])
    email = StringField(_l("Email"), validators=[Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    company = StringField(_l("Company"), validators=[Length(max=255)])
    tax_id = StringField(_l("Tax id"), validators=[Length(max=40)])
    address = StringField(_l("Address"), validators=[Length(max=500)])
    b2b = BooleanField(_l("A business (B2B)"))
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Not known")),
            SelectChoice("uk", "Українська"),
            SelectChoice("ru", "Русский"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )


class CampaignForm(FlaskForm):
    """The operator's mail for a segment: a subject and a body with placeholders."""

    segment_id = SelectField(_l("Segment"), coerce=int, validators=[InputRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Write a subject.")), Length(max=200)])
    body = TextAreaField(
        _l("Mail"),
        description=_l(
            "{name} becomes the recipient's name. Their viewed products, price drops and new offers follow the text."
        ),
        validators=[DataRequired(_l("Write the mail.")), Length(max=10_000)],
    )


class ButtonForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class MarketingConsentForm(FlaskForm):
    """The account page's box: yes or no to the operator's news by mail."""

    consent = BooleanField(_l("Send me TradeRow's news and offers by mail"))
