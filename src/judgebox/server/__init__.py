"""The HTTP transport: `create_app(settings)` (FastAPI) and `serve(settings)` (uvicorn).

app.py            create_app, its lifespan (builds the state)
state.py          ServerState, Lifecycle, the State dependency (what the routes use)
access.py         503 while stopping, bearer token
error_map.py      errors -> {"error": {"code", "message"}} + status
run_request.py    the run request body: caps, case-insensitive fields, checks
run_routes.py     /validate-dataset, /runs, /runs/{id}, /runs/{id}/events
catalog_routes.py /languages, /problems, /healthz, /metrics, /, /static
streaming.py      SSE and JSON mode, disconnect -> cancel
metrics.py        Prometheus metrics (a RunObserver)
serving.py        serve(): uvicorn with the draining shutdown
"""

from judgebox.server.app import create_app
from judgebox.server.serving import serve

__all__ = ["create_app", "serve"]
