"""WSGI entry point: `gunicorn run:app` in production, `python run.py` for development."""
import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("LIA_HOST", "127.0.0.1"), port=int(os.environ.get("LIA_PORT", "8080")))
