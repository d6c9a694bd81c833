"""Mail goes out in its recipient's language: the one they registered in or last picked on the site.

Flask-Babel caches the locale on ``g``, and ``db_session`` keeps one app context pushed for the
test: each request that must speak its own language runs in an app context of its own.
"""

from __future__ import annotations

import email
import email.policy

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.extensions import login_manager
from marketplace.notifications.models import OutboxMail
from marketplace.notifications.services import SmtpSettings, _message, mail_text, notify, recipient_locale
from tests.support import factories
from tests.support.accounts import PASSWORD, login

#: A notification whose text the catalogs already translate, with the words that tell the languages apart.
KIND, PARAMS = "quote.new", {"supplier": "Kyiv Kitchen", "item": "Pan", "title": "Kitchen"}
WORDS = {"en": "quoted on", "uk": "надіслав пропозицію", "ru": "прислал предложение"}
FOOTERS = {"en": "Open it on TradeRow", "uk": "Відкрити в TradeRow", "ru": "Открыть в TradeRow"}


def mails_to(db_session: Session, address: str) -> list[OutboxMail]:
    return list(db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == address).order_by(OutboxMail.id)))


def reader(db_session: Session, name: str, locale: str | None) -> User:
    user = factories.user(db_session, f"{name}@example.com", role=Role.BUYER, display_name=name.title())
    user.locale = locale
    db_session.flush()
    return user


def test_each_reader_gets_the_notification_mail_in_their_own_language(db_session: Session) -> None:
    readers = {
        "en": reader(db_session, "olivia", "en"),
        "uk": reader(db_session, "oksana", "uk"),
        "ru": reader(db_session, "olga", "ru"),
        "unknown": reader(db_session, "omar", None),
        "unsupported": reader(db_session, "otto", "de"),
    }
    notify(db_session, readers.values(), KIND, PARAMS, link="/requests/1")
    expected = {"en": "en", "uk": "uk", "ru": "ru", "unknown": "en", "unsupported": "en"}
    for who, user in readers.items():
        [mail] = mails_to(db_session, user.email)
        lang = expected[who]
        assert mail.locale == lang == recipient_locale(user), who
        assert WORDS[lang] in mail.body and WORDS[lang] in mail.subject, (who, mail.body)
        # The link's line, added when the mail is sent, speaks the same language as the text.
        sent = mail_text(mail, "https://row.example")
        assert f"{FOOTERS[lang]}: https://row.example/requests/1" in sent, (who, sent)


def test_the_sent_message_keeps_the_mail_language(db_session: Session) -> None:
    user = reader(db_session, "oksana", "uk")
    [_notification] = notify(db_session, [user], KIND, PARAMS, link="/requests/7")
    [mail] = mails_to(db_session, user.email)
    message = _message(mail, SmtpSettings(host="127.0.0.1", site_url="https://row.example"))
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    part = parsed.get_body()
    assert part is not None
    body = part.get_content()
    assert WORDS["uk"] in str(parsed["Subject"]) and "Відкрити в TradeRow: https://row.example/requests/7" in body


def test_the_default_language_is_the_configured_one(app: Flask, db_session: Session) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "uk"
    user = reader(db_session, "omar", None)
    notify(db_session, [user], KIND, PARAMS)
    [mail] = mails_to(db_session, user.email)
    assert mail.locale == "uk" and WORDS["uk"] in mail.body


def test_registering_keeps_the_language_and_confirms_the_address_in_it(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    data = {"email": "nova@example.com", "display_name": "Nova", "password": PASSWORD, "account_type": "buyer"}
    with app.app_context():
        assert client.post("/account/register?lang=ru", data=data).status_code == 302
    user = db_session.scalars(select(User).where(User.email == "nova@example.com")).one()
    assert user.locale == "ru"
    [mail] = mails_to(db_session, user.email)
    assert mail.locale == "ru" and "Здравствуйте, Nova" in mail.body and "confirm" not in mail.subject


def test_someone_registering_with_a_taken_address_warns_its_owner_in_the_owners_language(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    owner = reader(db_session, "oksana", "uk")
    data = {"email": owner.email, "display_name": "Intruder", "password": PASSWORD, "account_type": "buyer"}
    with app.app_context():
        assert client.post("/account/register?lang=ru", data=data).status_code == 302
    [mail] = mails_to(db_session, owner.email)
    assert mail.locale == "uk" and "Вітаємо, Oksana" in mail.body


@pytest.mark.parametrize("how", ["query", "cookie"])
def test_a_logged_in_user_who_picks_a_language_keeps_it_for_their_mail(
    app: Flask, client: FlaskClient, db_session: Session, buyer: User, how: str
) -> None:
    login(client, buyer)
    assert buyer.locale is None  # registered through the service, outside any request
    with app.app_context():
        if how == "query":
            assert client.get("/?lang=uk").status_code == 200
        else:
            client.set_cookie("lang", "uk")
            assert client.get("/").status_code == 200
    db_session.refresh(buyer)
    assert buyer.locale == "uk"
    notify(db_session, [buyer], KIND, PARAMS)
    [mail] = mails_to(db_session, buyer.email)
    assert WORDS["uk"] in mail.body


def test_an_anonymous_visitor_picking_a_language_changes_no_account(
    app: Flask, client: FlaskClient, db_session: Session, buyer: User
) -> None:
    with app.app_context():
        assert client.get("/?lang=ru").status_code == 200
        assert client.get("/?lang=xx").status_code == 200
    db_session.refresh(buyer)
    assert buyer.locale is None


def test_a_language_that_is_not_offered_is_not_kept(
    app: Flask, client: FlaskClient, db_session: Session, buyer: User
) -> None:
    login(client, buyer)
    with app.app_context():
        assert client.get("/?lang=de").status_code == 200
    db_session.refresh(buyer)
    assert buyer.locale is None


def test_the_login_prompt_is_a_lazy_string_flashed_in_the_visitors_language(app: Flask, client: FlaskClient) -> None:
    assert isinstance(login_manager.login_message, LazyString)
    with app.app_context():
        response = client.get("/account/", follow_redirects=True)
    assert "Please log in to access this page." in response.get_data(as_text=True)
