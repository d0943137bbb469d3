"""Prefect flows around the `pipeline` library; the library itself never imports Prefect.

The variables are set here, before any flow module imports Prefect: no telemetry, no analytics
look-ups from the temporary API server, and time for that server to start on a loaded machine.
"""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
