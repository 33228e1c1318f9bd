"""The import pages: upload a CSV, watch it run, read and download its per-row report."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import access, roles
from accounts.decorators import role_required
from qualification.intake.csv_files import NOT_UTF8_NOTE, ImportFileError, plan_file
from qualification.intake.import_jobs import create_import_job, report_lines, resume_import_job
from qualification.jobs.enqueue import start_off_request
from qualification.jobs.tasks import run_import
from qualification.models import ImportJob, ImportRow, Segment
from qualification.web.imports.selectors import where_leads_went

REFUSED_SHOWN = 50
NOT_UTF8_SHOWN = 20
QUEUE_DOWN = (
    "the job queue is unreachable, so the import did not start. Resume it once the queue is back."
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="A CRM export with an email or a source-id column."
    )
    segment = forms.ModelChoiceField(queryset=Segment.objects.all(), empty_label=None)
    source_system = forms.SlugField(
        label="Source system",
        required=False,
        max_length=60,
        help_text="Names the system the ids come from; defaults to the file name. A row "
        "updates the lead it matches, by source id under this name or else by email in the "
        "chosen segment; any other row adds a lead. So the same file again into the same "
        "segment adds no one, but into another segment, its rows without a source id become "
        "new leads there.",
    )
    apply_rules = forms.BooleanField(
        label="Apply the stage rules after scoring", required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".txt"}:
            raise forms.ValidationError("Upload a .csv file (save spreadsheets as CSV first).")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.0f} MB; the limit is "
                f"{settings.IMPORT_MAX_BYTES / 2**20:.0f} MB. Split it."
            )
        try:
            check_file(upload)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


def check_file(upload) -> None:
    """The importer's file check on an upload, before anything is stored: a file it would
    refuse is refused here, beside the field, not later on a failed job's page."""
    if hasattr(upload, "temporary_file_path"):
        plan_file(Path(upload.temporary_file_path()))
    else:
        with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
            copy.flush()
            plan_file(Path(copy.name))
    upload.seek(0)


@role_required(*access.IMPORTS.roles)
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.select_related("segment", "uploaded_by")[:50]
    return render(
        request,
        "qualification/imports/list.html",
        {
            "jobs": jobs,
            "may_upload": roles.has_role(request.user, *access.IMPORT_UPLOAD_ROLES),
        },
    )


@role_required(*access.IMPORT_UPLOAD_ROLES)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = create_import_job(
            name=upload.name,
            content=upload,
            segment=form.cleaned_data["segment"],
            uploaded_by=request.user,
            source_system=form.cleaned_data["source_system"],
            apply_rules=form.cleaned_data["apply_rules"],
        )
        _start(request, job)
        return redirect("qualification:import-detail", pk=job.pk)
    return render(
        request,
        "qualification/imports/new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@role_required(*access.IMPORT_UPLOAD_ROLES)
@require_POST
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if resume_import_job(job=job, now=timezone.now()):
        _start(request, job)
    elif job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        messages.info(request, "This import is still running: nothing to resume.")
    else:
        messages.info(request, "This import has nothing to resume.")
    return redirect("qualification:import-detail", pk=job.pk)


def _start(request: HttpRequest, job: ImportJob) -> None:
    if not start_off_request(run_import, job.pk):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=QUEUE_DOWN, finished_at=timezone.now()
        )
        messages.error(request, f"Not imported yet: {QUEUE_DOWN}")


@role_required(*access.IMPORTS.roles)
@vary_on_headers("HX-Request")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("segment", "uploaded_by"), pk=pk)
    resumable = ImportJob.objects.resumable(now=timezone.now()).filter(pk=job.pk).exists()
    context = {
        "job": job,
        "percent": _percent(job),
        "may_resume": resumable and roles.has_role(request.user, *access.IMPORT_UPLOAD_ROLES),
        "interrupted": resumable and job.status != ImportJob.Status.FAILED,
        "stalled_minutes": round(settings.IMPORT_STALLED_AFTER.total_seconds() / 60),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "qualification/imports/detail.html#progress", context)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            response["HX-Refresh"] = "true"  # reload once, with the refused rows
        return response
    context["refused"] = job.rows.filter(outcome=ImportRow.Outcome.REFUSED)[:REFUSED_SHOWN]
    context["not_utf8"] = list(
        job.rows.filter(message__contains=NOT_UTF8_NOTE).values_list("row_number", flat=True)[
            : NOT_UTF8_SHOWN + 1
        ]
    )
    context["not_utf8_shown"] = NOT_UTF8_SHOWN
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED) and job.processed_rows:
        context["where"] = where_leads_went(job)
    return render(request, "qualification/imports/detail.html", context)


@role_required(*access.IMPORTS.roles)
def import_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    response = StreamingHttpResponse(report_lines(job), content_type="text/csv; charset=utf-8")
    stem = Path(job.original_name).stem or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-report-{job.pk}.csv"'
    return response


def _percent(job: ImportJob) -> int:
    if job.status == ImportJob.Status.DONE:
        return 100
    if not job.total_rows:
        return 0
    return min(99, round(100 * job.processed_rows / job.total_rows))
