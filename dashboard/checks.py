"""Django's security checks, run against the middleware classes really in ``MIDDLEWARE``.

Django's deploy checks find its middleware by dotted path. Ours are subclasses of Django's own
classes that run on the event loop (``dashboard/middleware.py``), so those checks reported
three false warnings (no SecurityMiddleware, no CSRF, no X-Frame-Options) and, worse, skipped
every check that depends on them: HSTS, the SSL redirect, Secure cookies. Here the same checks
run a second time with each of our subclasses named by its Django parent; every message that
run adds, or that settings silence because the first run's copy was false, is reported under
``dashboard.<id>``, so a real problem is never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.test.utils import override_settings
from django.utils.module_loading import import_string

_DJANGO_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


def as_django_paths(middleware: Iterable[str]) -> list[str]:
    """``middleware`` with every subclass of one of Django's classes named by that class."""
    parents = [(path, import_string(path)) for path in _DJANGO_MIDDLEWARE]
    named = []
    for path in middleware:
        cls = import_string(path)
        named.append(next((p for p, parent in parents if issubclass(cls, parent)), path))
    return named


def _security_messages(deploy: bool, app_configs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    for check in checks.registry.registry.get_checks(include_deployment_checks=deploy):
        if checks.Tags.security in getattr(check, "tags", ()) and check is not check_middleware:
            found.extend(check(app_configs=app_configs, databases=None))
    return found


@checks.register(checks.Tags.security, deploy=True)
def check_middleware(
    app_configs: list[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    deploy = True  # registered as a deploy check: it only runs under --deploy
    as_named = {m.id for m in _security_messages(deploy, app_configs)}
    with override_settings(MIDDLEWARE=as_django_paths(settings.MIDDLEWARE)):
        as_classes = _security_messages(deploy, app_configs)
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    return [
        type(m)(m.msg, hint=m.hint, obj=m.obj, id=f"dashboard.{m.id}")
        for m in as_classes
        if m.id in silenced or m.id not in as_named
    ]
