"""Flask extensions, created unbound and bound in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: No default limits: the routes that take guesses (login, registration, reset) name their own.
limiter = Limiter(key_func=get_remote_address)
