# Image for the portal: the same image runs the web server (default CMD), the Celery worker
# and Celery beat (see docker-compose.yml). Configuration comes from the environment only;
# see portal/settings.py and .env.example.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# An unprivileged user runs everything; it owns nothing in /app except the media directory.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app

# Dependencies first, in their own layer, so that a change of the code alone does not
# reinstall them: the list is read from pyproject.toml (tomllib is in Python 3.11), which
# needs none of the package directories that `pip install .` would.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself (its dependencies are already there). The processes run from /app,
# which comes first on sys.path, so templates and static files are read from this copy.
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

# Static files are collected at build time and served by WhiteNoise. The settings refuse
# DEBUG=false without a SECRET_KEY, so this one step gets a throwaway key inline; it is not
# stored in the image's environment and is never used at run time.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime \
    python manage.py collectstatic --noinput

# Uploaded media live in a volume; the directory is created here so a new named volume
# mounted on it starts out owned by the app user.
RUN mkdir -p /app/media && chown app:app /app/media
VOLUME ["/app/media"]

USER app

EXPOSE 8000

# The probe connects as 127.0.0.1, so ALLOWED_HOSTS must include 127.0.0.1 (docker-compose.yml
# sets it); /healthz is exempt from the HTTPS redirect. A non-200 answer (503 when the
# database, cache or broker is down) raises, and the container is marked unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=8)"]

CMD ["gunicorn", "-c", "portal/gunicorn.conf.py", "portal.wsgi:application"]
