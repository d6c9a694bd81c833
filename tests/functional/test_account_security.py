"""Account hardening: rate limits, answers that do not tell who is registered, the password
policy, cookie flags, revocable remember tokens, password change and reset, email verification."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.credentials import LinkPurpose, MailLink, RememberToken
from marketplace.accounts.models import User
from marketplace.accounts.services import LinkInvalid, check_reset_link, start_password_reset
from marketplace.accounts.views import REMEMBER_COOKIE
from marketplace.db import utcnow
from marketplace.notifications.models import OutboxMail
from tests.support.accounts import PASSWORD, login
from tests.support.jobs import REDIS_URL

NEW_PASSWORD = "violet kettle orbit"


def mails_to(db_session: Session, address: str) -> list[OutboxMail]:
    return list(db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == address).order_by(OutboxMail.id)))


def secret_of(mail: OutboxMail, path: str) -> str:
    assert mail.link is not None and mail.link.startswith(path), mail.link
    return mail.link.removeprefix(path)


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


def register(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str) -> Any:
    data = {"email": email, "display_name": "Newcomer", "password": password, "account_type": "buyer", **extra}
    return client.post("/account/register", data=data)


# --- rate limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes"}])
def test_after_the_limit_of_wrong_passwords_even_the_right_one_is_refused(
    client: FlaskClient, buyer: User, supplier_member: User, app_overrides: dict[str, Any]
) -> None:
    for _attempt in range(3):
        response = client.post("/account/login", data={"email": buyer.email, "password": "not the password"})
        assert response.status_code == 200
    response = client.post("/account/login", data={"email": buyer.email.upper(), "password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert not is_logged_in(client)
    # Another account, from the same address, still logs in.
    login(client, supplier_member)


@pytest.mark.parametrize("app_overrides", [{"LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes"}])
def test_successful_logins_do_not_count_against_the_limit(
    app: Flask, buyer: User, app_overrides: dict[str, Any]
) -> None:
    for _attempt in range(5):
        client = app.test_client()
        login(client, buyer)


@pytest.mark.parametrize("app_overrides", [{"LOGIN_LIMIT_ADDRESS": "3 per 15 minutes"}])
def test_one_address_guessing_many_accounts_is_limited_and_others_are_not(
    app: Flask, buyer: User, app_overrides: dict[str, Any]
) -> None:
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for n in range(3):
        response = attacker.post("/account/login", data={"email": f"user{n}@example.com", "password": "123456789"})
        assert response.status_code == 200
    assert attacker.post("/account/login", data={"email": buyer.email, "password": PASSWORD}).status_code == 429
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    login(neighbour, buyer)


@pytest.mark.parametrize("app_overrides", [{"LOGIN_LIMIT_ACCOUNT": "1 per 15 minutes"}])
def test_the_limited_page_speaks_the_visitors_language(
    app: Flask, client: FlaskClient, buyer: User, app_overrides: dict[str, Any]
) -> None:
    client.post("/account/login", data={"email": buyer.email, "password": "not the password"})
    with app.app_context():  # a context of its own, as in production: Flask-Babel keeps the locale on g
        response = client.post("/account/login?lang=uk", data={"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Забагато спроб" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"RESET_LIMIT_ACCOUNT": "2 per hour"}])
def test_reset_requests_are_limited_per_account(
    client: FlaskClient, db_session: Session, buyer: User, app_overrides: dict[str, Any]
) -> None:
    for _attempt in range(2):
        assert client.post("/account/reset", data={"email": buyer.email}).status_code == 302
    assert client.post("/account/reset", data={"email": buyer.email}).status_code == 429
    assert len(mails_to(db_session, buyer.email)) == 2
    assert client.post("/account/reset", data={"email": "other@example.com"}).status_code == 302


def test_rate_limits_share_redis_when_it_is_configured(tmp_path: Any) -> None:
    from marketplace import create_app

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "REDIS_URL": REDIS_URL})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).config["RATELIMIT_STORAGE_URI"] == "memory://"


# --- answers that do not tell who is registered ---------------------------------------------------


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def test_login_answers_alike_for_known_and_unknown_emails(app: Flask, buyer: User) -> None:
    known = app.test_client().post("/account/login", data={"email": buyer.email, "password": "not the password"})
    unknown = app.test_client().post(
        "/account/login", data={"email": "nobody@example.com", "password": "not the password"}
    )
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known.get_data(as_text=True)).replace(buyer.email, "E") == _without_csrf(
        unknown.get_data(as_text=True)
    ).replace("nobody@example.com", "E")


def test_registering_a_taken_email_answers_as_a_new_one_and_mails_the_owner(
    app: Flask, db_session: Session, buyer: User
) -> None:
    fresh_client, taken_client = app.test_client(), app.test_client()
    fresh = register(fresh_client, "fresh@example.com")
    taken = register(taken_client, buyer.email.upper())
    assert fresh.status_code == taken.status_code == 302
    assert fresh.headers["Location"] == taken.headers["Location"] == "/account/login"
    assert fresh_client.get("/account/login").get_data(as_text=True).count("Check your mail") == 1
    assert taken_client.get("/account/login").get_data(as_text=True).count("Check your mail") == 1
    # The owner learns of it, the password is unchanged, and no second account exists.
    [warning] = mails_to(db_session, buyer.email)
    assert "someone tried to register" in warning.subject.lower()
    assert db_session.scalar(select(func.count()).select_from(User).where(User.email == buyer.email)) == 1
    login(app.test_client(), buyer)
    [verify] = mails_to(db_session, "fresh@example.com")
    assert verify.link is not None and verify.link.startswith("/account/verify/")


def test_an_unknown_email_still_costs_a_password_hash(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import marketplace.accounts.passwords as passwords
    from marketplace.accounts.services import authenticate

    checked: list[str] = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    assert authenticate(db_session, "nobody@example.com", "a guess") is None
    assert checked == ["a guess"]


# --- the password policy --------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password", "12345678", "password1234", "qwertyuiop", "iloveyou12"])
def test_short_and_common_passwords_are_refused(client: FlaskClient, db_session: Session, password: str) -> None:
    response = register(client, "weak@example.com", password)
    assert response.status_code == 200
    assert db_session.scalar(select(User).where(User.email == "weak@example.com")) is None


def test_the_email_as_password_is_refused_with_a_reason(app: Flask, client: FlaskClient) -> None:
    response = register(client, "kateryna.long@example.com", "kateryna.long@example.com")
    assert "must not contain your email address" in response.get_data(as_text=True)
    with app.app_context():
        response = client.post(
            "/account/register?lang=uk",
            data={"email": "x@example.com", "display_name": "X", "password": "password1234", "account_type": "buyer"},
        )
    assert "Цей пароль надто поширений" in response.get_data(as_text=True)


# --- cookies --------------------------------------------------------------------------------------


def _set_cookie(response: Any, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


def test_session_and_remember_cookies_are_lax_and_http_only(client: FlaskClient, buyer: User) -> None:
    response = client.post("/account/login", data={"email": buyer.email, "password": PASSWORD, "remember": "y"})
    for name in ("session", REMEMBER_COOKIE):
        header = _set_cookie(response, name)
        assert "SameSite=Lax" in header and "HttpOnly" in header and "Secure" not in header


@pytest.mark.parametrize("app_overrides", [{"SITE_URL": "https://row.example"}])
def test_cookies_are_secure_when_the_site_is_https(
    client: FlaskClient, buyer: User, app_overrides: dict[str, Any]
) -> None:
    response = client.post(
        "/account/login",
        data={"email": buyer.email, "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    for name in ("session", REMEMBER_COOKIE):
        assert "Secure" in _set_cookie(response, name)


# --- remember tokens and sessions -----------------------------------------------------------------


def _remembered_client(app: Flask, user: User) -> tuple[FlaskClient, str]:
    client = app.test_client()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookie = client.get_cookie(REMEMBER_COOKIE)
    assert cookie is not None
    return client, cookie.value


def _browser_with_only(app: Flask, secret: str) -> FlaskClient:
    """A browser that kept the remember cookie but whose session ended (closed and reopened)."""
    client = app.test_client()
    client.set_cookie(REMEMBER_COOKIE, secret)
    return client


def test_a_remember_token_logs_in_once_and_is_replaced(app: Flask, db_session: Session, buyer: User) -> None:
    _client, secret = _remembered_client(app, buyer)
    browser = _browser_with_only(app, secret)
    assert is_logged_in(browser)
    rotated = browser.get_cookie(REMEMBER_COOKIE)
    assert rotated is not None and rotated.value != secret
    # A copy of the old cookie (stolen, or replayed) no longer works; the new one does.
    assert not is_logged_in(_browser_with_only(app, secret))
    assert is_logged_in(_browser_with_only(app, rotated.value))
    stored = db_session.scalars(select(RememberToken).where(RememberToken.user_id == buyer.id)).all()
    assert len(stored) == 1 and stored[0].token_hash != rotated.value


def test_a_remember_token_expires(app: Flask, db_session: Session, buyer: User) -> None:
    _client, secret = _remembered_client(app, buyer)
    token = db_session.scalars(select(RememberToken).where(RememberToken.user_id == buyer.id)).one()
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.flush()
    assert not is_logged_in(_browser_with_only(app, secret))


def test_logout_everywhere_ends_every_session_and_remember_token(app: Flask, buyer: User) -> None:
    first, secret = _remembered_client(app, buyer)
    second = app.test_client()
    login(second, buyer)
    assert second.post("/account/logout-everywhere").status_code == 302
    assert not is_logged_in(second)
    assert not is_logged_in(first)
    assert not is_logged_in(_browser_with_only(app, secret))


def test_logout_forgets_this_devices_remember_token(app: Flask, buyer: User) -> None:
    client, secret = _remembered_client(app, buyer)
    client.post("/account/logout")
    assert client.get_cookie(REMEMBER_COOKIE) is None
    assert not is_logged_in(_browser_with_only(app, secret))


# --- password change ------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one(client: FlaskClient, buyer: User) -> None:
    login(client, buyer)
    response = client.post(
        "/account/password",
        data={"current_password": "a wrong guess", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "The current password is wrong." in response.get_data(as_text=True)


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app: Flask, db_session: Session, buyer: User
) -> None:
    other, secret = _remembered_client(app, buyer)
    client = app.test_client()
    login(client, buyer)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(other)
    assert not is_logged_in(_browser_with_only(app, secret))
    old = app.test_client().post("/account/login", data={"email": buyer.email, "password": PASSWORD})
    assert old.status_code == 200
    new = app.test_client().post("/account/login", data={"email": buyer.email, "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert "password was changed" in mails_to(db_session, buyer.email)[-1].subject


def test_a_new_password_must_pass_the_policy(client: FlaskClient, buyer: User) -> None:
    login(client, buyer)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "1234567890", "confirm": "1234567890"}
    )
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)


# --- password reset -------------------------------------------------------------------------------


def test_reset_answers_alike_and_mails_only_an_existing_account(app: Flask, db_session: Session, buyer: User) -> None:
    known_client, unknown_client = app.test_client(), app.test_client()
    known = known_client.post("/account/reset", data={"email": buyer.email})
    unknown = unknown_client.post("/account/reset", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert _without_csrf(known_client.get("/account/login").get_data(as_text=True)) == _without_csrf(
        unknown_client.get("/account/login").get_data(as_text=True)
    )
    assert mails_to(db_session, "nobody@example.com") == []
    [mail] = mails_to(db_session, buyer.email)
    assert mail.link is not None and mail.link.startswith("/account/reset/")


def test_a_reset_link_sets_a_password_once_and_ends_every_session(app: Flask, db_session: Session, buyer: User) -> None:
    logged_in, secret_cookie = _remembered_client(app, buyer)
    buyer.locale = "ru"
    db_session.flush()
    client = app.test_client()
    with app.app_context():
        client.post("/account/reset?lang=uk", data={"email": buyer.email})
    [mail] = mails_to(db_session, buyer.email)
    # Written in the owner's language, not in that of whoever typed the address.
    assert "Здравствуйте" in mail.body and mail.locale == "ru"
    secret = secret_of(mail, "/account/reset/")
    page = client.get(f"/account/reset/{secret}")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(f"/account/reset/{secret}", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not is_logged_in(logged_in)
    assert not is_logged_in(_browser_with_only(app, secret_cookie))
    assert (
        app.test_client().post("/account/login", data={"email": buyer.email, "password": PASSWORD}).status_code == 200
    )
    login_new = app.test_client().post("/account/login", data={"email": buyer.email, "password": NEW_PASSWORD})
    assert login_new.status_code == 302
    # Single use.
    again = client.post(f"/account/reset/{secret}", data={"new_password": "x" + NEW_PASSWORD, "confirm": "x"})
    assert again.status_code == 404
    assert buyer.is_verified  # following the mailed link proved the address


def test_a_reset_link_expires_after_an_hour(db_session: Session, buyer: User) -> None:
    started = start_password_reset(db_session, buyer.email)
    assert started is not None
    _user, secret = started
    assert check_reset_link(db_session, secret, now=utcnow() + dt.timedelta(minutes=59)) == buyer
    with pytest.raises(LinkInvalid):
        check_reset_link(db_session, secret, now=utcnow() + dt.timedelta(minutes=61))


def test_a_newer_reset_link_replaces_the_older(db_session: Session, buyer: User) -> None:
    first = start_password_reset(db_session, buyer.email)
    second = start_password_reset(db_session, buyer.email)
    assert first is not None and second is not None
    with pytest.raises(LinkInvalid):
        check_reset_link(db_session, first[1])
    assert check_reset_link(db_session, second[1]) == buyer
    stored = db_session.scalars(select(MailLink).where(MailLink.purpose == LinkPurpose.RESET)).all()
    assert [link.token_hash for link in stored] != [second[1]]  # only hashes are stored


# --- email verification ---------------------------------------------------------------------------


def test_registration_mails_a_verification_link_and_the_account_page_shows_it(app: Flask, db_session: Session) -> None:
    client = app.test_client()
    register(client, "verify.me@example.com")
    client.post("/account/login", data={"email": "verify.me@example.com", "password": PASSWORD})
    page = client.get("/account/").get_data(as_text=True)
    assert 'data-testid="email-unverified"' in page
    assert client.post("/account/verify").status_code == 302  # resend
    first, second = mails_to(db_session, "verify.me@example.com")
    assert client.get(first.link or "").status_code == 404  # replaced by the resent one
    assert client.get(second.link or "").status_code == 302
    assert 'data-testid="email-verified"' in client.get("/account/").get_data(as_text=True)
    user = db_session.scalar(select(User).where(User.email == "verify.me@example.com"))
    assert user is not None and user.is_verified


def test_resending_the_verification_needs_a_login(client: FlaskClient) -> None:
    response = client.post("/account/verify")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login")
