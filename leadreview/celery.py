import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadreview.settings")

app = Celery("leadreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The tasks live in qualification/jobs/tasks.py, not at an app's top, so name the package.
app.autodiscover_tasks(["qualification.jobs"])
