"""Schemathesis hooks for scripts/checks/api.sh: authenticate as the run's user with a bearer token.

The token is fetched from POST /api/v1/tokens and fetched again after any 401, because the run
itself may revoke it (DELETE /tokens/{id} and PUT /me/password are operations under test).

The run can also lock its own user out: it can reuse the email that responses show (GET /me) in the
POST /tokens cases it generates, and five wrong passwords for one email make the app throttle
that email for 15 minutes (429), as it must. When that happens the run goes on as a fresh user of
its own, signed up here, instead of failing every later case on authentication.
"""

import os
import sys
import uuid

import requests
import schemathesis

BASE = os.environ["NOTEJAM_API_BASE"] + "/api/v1"


def _say(why):
    # Schemathesis reports only that a token fetch failed; this says what the app answered.
    print(f"schemathesis_hooks: {why}", file=sys.stderr, flush=True)


def _post(path, email, password):
    return requests.post(f"{BASE}{path}", json={"email": email, "password": password}, timeout=30)


def _refused(path, email, response):
    """The error for an answer the run cannot go on with, said on stderr too."""
    why = f"POST {path} for {email} answered {response.status_code}: {response.text[:500]}"
    _say(why)
    return RuntimeError(why)


def _token(email, password):
    """A token for these credentials, or None when the app throttles them (429)."""
    response = _post("/tokens", email, password)
    if response.status_code == 429:
        _say(f"POST /tokens for {email} answered 429: {response.text[:300]}")
        return None
    if response.status_code != 201:
        raise _refused("/tokens", email, response)
    return response.json()["token"]


def _fresh_user():
    """Signs up a new user and returns its credentials."""
    email = f"schemathesis-{uuid.uuid4().hex}@example.com"
    password = "schemathesis-password"
    response = _post("/users", email, password)
    if response.status_code != 201:
        raise _refused("/users", email, response)
    _say(f"the run's user is throttled; going on as {email}")
    return email, password


@schemathesis.auth()
class NotejamBearerToken:
    credentials = (os.environ["NOTEJAM_API_EMAIL"], os.environ["NOTEJAM_API_PASSWORD"])

    def get(self, case, context):
        token = _token(*self.credentials)
        if token is None:
            self.credentials = _fresh_user()
            token = _token(*self.credentials)
        if token is None:
            raise RuntimeError("a user signed up a moment ago is throttled")
        return token

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
