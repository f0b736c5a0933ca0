"""Schemathesis hooks for scripts/checks/api.sh: authenticate as the run's user with a bearer token.

The token is fetched from POST /api/v1/tokens and fetched again after any 401, because the run
itself may revoke it (DELETE /tokens/{id} and PUT /me/password are operations under test).
"""

import os

import requests
import schemathesis


@schemathesis.auth()
class NotejamBearerToken:
    def get(self, case, context):
        response = requests.post(
            os.environ["NOTEJAM_API_BASE"] + "/api/v1/tokens",
            json={
                "email": os.environ["NOTEJAM_API_EMAIL"],
                "password": os.environ["NOTEJAM_API_PASSWORD"],
            },
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
