"""The password policy, and hashing that takes as long whether or not an account exists.

Common passwords are refused with zxcvbn, which ships a ranked list of the 30,000 most
common passwords (Xato's) with dictionaries of words, names and keyboard patterns, and
scores how guessable a password is built from them.
"""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from marketplace.domain_errors import DomainError

#: The shortest password accepted.
MIN_PASSWORD_LENGTH = 10
#: zxcvbn's guessability score (0-4) a password must reach: 2 is "somewhat guessable",
#: about 10^8 guesses, out of reach of an online attack that rate limits slow down.
MIN_SCORE = 2
#: zxcvbn is quadratic in the length; a passphrase past this is judged by its start.
_SCORED_LENGTH = 100


class WeakPassword(DomainError):
    """The password breaks the policy; ``str()`` is the reason, in the reader's language."""


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    """Raise ``WeakPassword`` for a short, common or guessable password, or one made of the email."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    email = email.strip().lower()
    personal = [part for part in (email, email.split("@")[0], name.strip().lower()) if part]
    if email and email in password.lower():
        raise WeakPassword(_l("The password must not contain your email address."))
    if zxcvbn(password[:_SCORED_LENGTH], user_inputs=personal)["score"] < MIN_SCORE:
        raise WeakPassword(_l("This password is too common or too easy to guess. Try a few unrelated words."))


def hash_password(password: str) -> str:
    """Return the stored form of ``password``."""
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not anyone's password")


def check_password(password_hash: str | None, password: str) -> bool:
    """Say whether ``password`` matches; with no hash, spend the same time on a dummy and say no.

    Login answers as slowly for an unknown email as for a known one, so its timing does not
    tell who has an account.
    """
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
