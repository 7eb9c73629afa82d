"""CORS, off unless ``KG_CORS_ORIGINS`` names origins (or ``*``), so a browser-based
SPARQL client on another origin can query the endpoint."""

from __future__ import annotations

from flask import Flask, Response, request


def init_app(app: Flask) -> None:
    origins = {
        o.strip() for o in str(app.config.get("KG_CORS_ORIGINS") or "").split(",") if o.strip()
    }
    if not origins:
        return

    @app.after_request
    def allow(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin and ("*" in origins or origin in origins):
            response.headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
            response.headers["Vary"] = "Origin"
        return response
