"""Forms of the customer database (operators) and of the customer's rights (the account page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.crm.models import CustomerKind, NoteKind

#: A note's longest text.
MAX_NOTE = 5000


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
