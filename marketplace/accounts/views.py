"""Login, logout, registration, passwords and email verification."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import Session

from marketplace.accounts.access import logged_in_account
from marketplace.accounts.credentials import (
    end_all_sessions,
    forget_remember_token,
    issue_remember_token,
    use_remember_token,
)
from marketplace.accounts.forms import (
    ButtonForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from marketplace.accounts.mails import render_mail
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import (
    AccountError,
    EmailTaken,
    LinkInvalid,
    PasswordRejected,
    WrongPassword,
    authenticate,
    change_password,
    check_reset_link,
    create_user,
    find_user,
    load_session_user,
    reset_password,
    start_password_reset,
    start_verification,
    verify_email,
)
from marketplace.accounts.token_forms import RevokeTokenForm, TokenForm
from marketplace.accounts.tokens import TokenError, create_token, revoke_token, tokens_of
from marketplace.db import get_session, writes_on_get
from marketplace.events.log import log_event
from marketplace.extensions import limiter, login_manager
from marketplace.notifications.services import queue_mail, recipient_locale
from marketplace.suppliers.services import SupplierError, add_supplier

bp = Blueprint("accounts", __name__, url_prefix="/account")

login_manager.login_view = "accounts.login"
# Lazy, and made a plain string in the request's language only when flashed (the session keeps str).
login_manager.login_message = _l("Please log in to access this page.")
login_manager.localize_callback = str

#: Our own "keep me logged in" cookie: a rotating secret (``RememberToken``), not Flask-Login's
#: signed user id, which could be neither revoked nor rotated.
REMEMBER_COOKIE = "traderow_remember"


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    # The identity carries the session version: a password change or "log out everywhere" ends it.
    return load_session_user(get_session(), identity)


@login_manager.request_loader
def load_remembered_user(req: Request) -> User | None:
    secret = req.cookies.get(REMEMBER_COOKIE)
    if not secret:
        return None
    session = get_session()
    found = use_remember_token(session, secret, days=current_app.config["REMEMBER_DAYS"])
    # Committed at once: the old secret is spent whatever the view does with its own transaction.
    session.commit()
    if found is None:
        g.remember_cookie = ""
        return None
    user, g.remember_cookie = found
    login_user(user)
    return user


@bp.before_app_request
def _load_user_afresh() -> None:
    # Flask-Login caches the user on ``g``; an app context (and its ``g``) can outlive one
    # request, and a user cached by an earlier request must not answer for this one.
    g.pop("_login_user", None)
    g.pop("remember_cookie", None)


@bp.after_app_request
def _write_remember_cookie(response: Response) -> Response:
    secret = g.pop("remember_cookie", None)
    if secret is None:
        return response
    config = current_app.config
    if secret:
        response.set_cookie(
            REMEMBER_COOKIE,
            secret,
            max_age=config["REMEMBER_DAYS"] * 24 * 3600,
            secure=config["REMEMBER_COOKIE_SECURE"],
            httponly=True,
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )
    else:
        response.delete_cookie(
            REMEMBER_COOKIE, secure=config["REMEMBER_COOKIE_SECURE"], httponly=True,
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )  # fmt: skip
    return response


def _start_session(session: Session, user: User, *, remember: bool) -> None:
    login_user(user)
    if remember:
        g.remember_cookie = issue_remember_token(session, user, days=current_app.config["REMEMBER_DAYS"])


def _limit(name: str) -> Callable[[], str]:
    # Read when the request comes, so that each app's configuration applies.
    return lambda: current_app.config[name]


def _submitted_account() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _failed(response: Response) -> bool:
    # A successful login redirects; only the attempts that fail count against the limits.
    return response.status_code != 302


def _user_id() -> int | None:
    # The limiter runs before ``login_required``: an anonymous caller must not break the key.
    return getattr(current_user, "id", None)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let phishers borrow our domain.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("catalog.home")


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _send(session: Session, user: User, kind: str, link: str) -> None:
    # In the recipient's language, which is not the visitor's when someone else types their address.
    locale = recipient_locale(user)
    subject, body = render_mail(kind, locale, name=user.display_name)
    queue_mail(session, user.email, subject, body, link=link, locale=locale)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _limit("LOGIN_LIMIT_ACCOUNT"), key_func=_submitted_account, methods=["POST"], deduct_when=_failed,
    scope="login-account",
)  # fmt: skip
@limiter.limit(_limit("LOGIN_LIMIT_ADDRESS"), methods=["POST"], deduct_when=_failed, scope="login-address")
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            _start_session(session, user, remember=bool(form.remember.data))
            session.commit()
            log_event("login", user_id=user.id)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    session = get_session()
    forget_remember_token(session, request.cookies.get(REMEMBER_COOKIE, ""))
    session.commit()
    g.remember_cookie = ""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    session = get_session()
    end_all_sessions(session, logged_in_account())
    session.commit()
    g.remember_cookie = ""
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for(".login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_LIMIT_ADDRESS"), methods=["POST"], scope="register-address")
def register() -> ResponseReturnValue:
    form = RegisterForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            supplier = None
            if form.account_type.data == "supplier":
                if not (form.shop_name.data and form.shop_slug.data and form.store_url.data):
                    form.shop_name.errors.append(_("A supplier needs a shop name, an address and a web store."))
                    raise _FormInvalid
                try:
                    supplier = add_supplier(
                        session,
                        form.shop_slug.data,
                        name=form.shop_name.data,
                        store_url=form.store_url.data,
                        contact_email=form.email.data,
                    )
                except SupplierError as exc:
                    form.shop_slug.errors.append(str(exc))
                    raise _FormInvalid from exc
            try:
                user = create_user(
                    session,
                    form.email.data or "",
                    form.password.data or "",
                    role=Role.SUPPLIER if supplier else Role.BUYER,
                    display_name=form.display_name.data,
                    supplier=supplier,
                    locale=_locale(),
                )
            except EmailTaken:
                # Answered exactly as a new account is, so the form cannot tell who is registered;
                # the owner hears of it by mail instead.
                session.rollback()
                owner = find_user(session, form.email.data or "")
                if owner is not None:
                    _send(session, owner, "register_taken", url_for(".reset_request"))
            except PasswordRejected as exc:
                form.password.errors.append(str(exc))
                raise _FormInvalid from exc
            except AccountError as exc:
                form.email.errors.append(str(exc))
                raise _FormInvalid from exc
            else:
                _send(session, user, "verify", url_for(".verify", secret=start_verification(session, user)))
                log_event("registration", user_id=user.id)
        except _FormInvalid:
            session.rollback()
        else:
            session.commit()
            flash(
                _("Check your mail: we sent a link to confirm your address. Then log in with your password."),
                "success",
            )
            return redirect(url_for(".login"))
    return render_template("accounts/register.html", form=form)


class _FormInvalid(Exception):
    """A field error was added; render the form again."""


# --- passwords and verification -------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_ACCOUNT"), key_func=_submitted_account, methods=["POST"], scope="reset-account")
@limiter.limit(_limit("RESET_LIMIT_ADDRESS"), methods=["POST"], scope="reset-address")
def reset_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        session = get_session()
        started = start_password_reset(session, form.email.data or "")
        if started is not None:
            user, secret = started
            _send(session, user, "reset", url_for(".reset", secret=secret))
        session.commit()
        # The same answer whether or not the address has an account.
        flash(_("If an account has this address, we sent it a link to choose a new password."), "info")
        return redirect(url_for(".login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<secret>", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_ADDRESS"), methods=["POST"], scope="reset-address")
def reset(secret: str) -> ResponseReturnValue:
    session = get_session()
    try:
        user = check_reset_link(session, secret)
    except LinkInvalid:
        return _no_referrer(render_template("accounts/link_invalid.html"), 404)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            reset_password(session, secret, form.new_password.data or "")
        except PasswordRejected as exc:
            form.new_password.errors.append(str(exc))
        else:
            _send(session, user, "password_changed", url_for(".reset_request"))
            session.commit()
            g.remember_cookie = ""
            logout_user()
            flash(_("Your password is changed and every session is logged out. Log in with the new one."), "success")
            return redirect(url_for(".login"))
    return _no_referrer(render_template("accounts/reset.html", form=form, user=user), 200)


def _no_referrer(body: str, status: int) -> ResponseReturnValue:
    # The page's address holds a secret: no link or resource on it may carry it away as a Referer.
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.post("/password")
@login_required
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(TokenForm(formdata=None), password_form=form, status=400)
    session = get_session()
    user = logged_in_account()
    try:
        change_password(session, user, form.current_password.data or "", form.new_password.data or "")
    except WrongPassword as exc:
        form.current_password.errors.append(str(exc))
        return _account_page(TokenForm(formdata=None), password_form=form, status=400)
    except PasswordRejected as exc:
        form.new_password.errors.append(str(exc))
        return _account_page(TokenForm(formdata=None), password_form=form, status=400)
    _send(session, user, "password_changed", url_for(".reset_request"))
    # Every session ended with the change; this one carries on under the new session version.
    _start_session(session, user, remember=bool(request.cookies.get(REMEMBER_COOKIE)))
    session.commit()
    flash(_("Your password is changed. Every other session is logged out."), "success")
    return redirect(url_for(".account"))


@bp.get("/verify/<secret>")
@writes_on_get
def verify(secret: str) -> ResponseReturnValue:
    session = get_session()
    try:
        verify_email(session, secret)
    except LinkInvalid:
        return _no_referrer(render_template("accounts/link_invalid.html"), 404)
    session.commit()
    flash(_("Your email address is confirmed."), "success")
    return redirect(url_for(".account") if current_user.is_authenticated else url_for(".login"))


@bp.post("/verify")
@login_required
@limiter.limit(_limit("RESET_LIMIT_ACCOUNT"), key_func=lambda: f"user:{_user_id()}", scope="verify-user")
def resend_verification() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    user = logged_in_account()
    if user.is_verified:
        return redirect(url_for(".account"))
    session = get_session()
    _send(session, user, "verify", url_for(".verify", secret=start_verification(session, user)))
    session.commit()
    flash(_("We sent a new confirmation link to %(email)s.", email=user.email), "info")
    return redirect(url_for(".account"))


# --- the account page and personal API tokens ---------------------------------------------


@bp.get("/")
@login_required
def account() -> ResponseReturnValue:
    return _account_page(TokenForm())


def _account_page(
    form: TokenForm, new_token: str | None = None, status: int = 200, password_form: PasswordChangeForm | None = None
) -> ResponseReturnValue:
    user = logged_in_account()
    return (
        render_template(
            "accounts/account.html",
            user=user,
            tokens=tokens_of(get_session(), user),
            form=form,
            revoke_form=RevokeTokenForm(),
            new_token=new_token,
            password_form=password_form or PasswordChangeForm(formdata=None),
            button_form=ButtonForm(),
        ),
        status,
        # A page showing a fresh secret must not be kept by any cache.
        {"Cache-Control": "no-store"},
    )


@bp.post("/tokens")
@login_required
def create_api_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(form, status=400)
    session = get_session()
    try:
        _token, secret = create_token(session, logged_in_account(), form.name.data or "")
    except TokenError as exc:
        form.name.errors.append(str(exc))
        return _account_page(form, status=400)
    session.commit()
    # Rendered, not redirected: the secret must never sit in the (signed, not encrypted) session cookie.
    return _account_page(TokenForm(formdata=None), new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        revoke_token(session, logged_in_account(), token_id)
    except TokenError:
        abort(404)
    session.commit()
    flash(_("The token is revoked; programs using it are refused from now on."), "success")
    return redirect(url_for(".account"))
