"""The portal's settings for ``bench/api.py``'s gunicorn run: its URLs plus one constant-JSON
view (the yardstick for requests per second), and no throttling (it would measure the limiter,
not the API). Never used outside the benchmark."""

from portal.settings import *  # noqa: F403
from portal.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
