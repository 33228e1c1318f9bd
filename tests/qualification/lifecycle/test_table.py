"""The transition table is the only description of a transition: names, labels, evidence."""

from dataclasses import fields

from qualification.lifecycle.evidence import Evidence
from qualification.lifecycle.table import TRANSITIONS, TRANSITIONS_BY_NAME, evidence_of
from qualification.models import REJECTIONS, TransitionName
from qualification.web.lead_page.forms import TransitionForm
from qualification.web.queue import services as queue
from qualification.web.queue.forms import AcceptForm, RejectForm


def test_every_name_has_exactly_one_row():
    assert sorted(row.name for row in TRANSITIONS) == sorted(TransitionName)
    assert set(TRANSITIONS_BY_NAME) == set(TransitionName)


def test_every_row_asks_only_for_evidence_the_engine_takes():
    known = {item.name for item in fields(Evidence)}
    for row in TRANSITIONS:
        assert set(row.evidence) <= known, row.name
        assert len(set(row.evidence)) == len(row.evidence), row.name


def test_a_requirement_on_evidence_names_a_field_its_row_asks_for():
    """A refusal keyed by an evidence field lands beside an input the form shows (on the rows
    people run: recycling is the rules' alone, and reads the lead's own date)."""
    known = {item.name for item in fields(Evidence)}
    for row in TRANSITIONS:
        if row.permission is None and not row.owner_may:
            continue
        for requirement in row.requirements:
            if requirement.field in known:
                assert requirement.field in row.evidence, (row.name, requirement.field)


def test_evidence_of_several_rows_is_each_field_once_in_table_order():
    assert evidence_of(*REJECTIONS) == ("reason_code", "note", "duplicate_of", "recycle_on")
    assert evidence_of(TransitionName.ACCEPT) == TRANSITIONS_BY_NAME["accept"].evidence


def test_the_queue_forms_take_what_their_rows_ask_for():
    assert set(AcceptForm.base_fields) == set(queue.ACTION_FIELDS[queue.ACCEPT])
    assert set(RejectForm.base_fields) == set(queue.ACTION_FIELDS[queue.REJECT])


def test_the_lead_page_shows_each_rows_evidence_in_the_tables_order():
    for row in TRANSITIONS:
        form = TransitionForm(transition=row.name)
        shown = [bound.name for bound in form.shown()]
        # The owner is picked in the queue; the lead page moves a lead for its owner.
        assert shown == [name for name in row.evidence if name != "owner"], row.name
    assert TransitionForm(transition="no-such-row").shown() == []
