"""Time failed logins for a registered and an unknown email, through the real login view.

The audit measured 281 ms for a known email against 18 ms for an unknown one: the answer's
timing told who has an account. Both should now cost one password hash. Runs the app on a
temp SQLite database with the test client (no network), rate limits raised out of the way.

    .venv/bin/python bench/login.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from marketplace import create_app, schema
from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.db import get_session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
                "WTF_CSRF_ENABLED": False,
                "LOGIN_LIMIT_ACCOUNT": "100000 per minute",
                "LOGIN_LIMIT_ADDRESS": "100000 per minute",
            }
        )
        with app.app_context():
            schema.upgrade(get_session().get_bind())
            create_user(get_session(), "known@example.com", "violet kettle orbit", role=Role.BUYER)
            get_session().commit()
        client = app.test_client()
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for _round in range(args.rounds):
            for kind in timings:
                started = time.perf_counter()
                response = client.post("/account/login", data={"email": f"{kind}@example.com", "password": "a guess"})
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
        for kind, values in timings.items():
            p90 = sorted(values)[int(0.9 * len(values))]
            print(f"{kind:8} email: median {statistics.median(values):6.1f} ms, p90 {p90:6.1f} ms")


if __name__ == "__main__":
    main()
