"""gunicorn entry point: `gunicorn -c config/gunicorn.conf.py wsgi:app`."""

from suishoupai import create_app

app = create_app()
