"""intake.extractors.forms: the notice's forms 附件2–8 as data, tied to the forms the notice prints."""
from __future__ import annotations

from intake.extractors.docx_reader import read_docx
from intake.extractors.forms import ENTRY_FORM, FORMS, spec_for
from intake.extractors.labels import index_for
from samples.forms import entry_pairs
from intake.base.model import DocumentKind
from tests.readings import entry, entry_form


def test_every_form_of_the_notice_has_one_spec_under_its_annex():
    assert [spec.annex for spec in FORMS] == [f"附件{n}" for n in range(2, 9)]
    for spec in FORMS:
        assert spec_for(spec.kind) is spec
    assert spec_for(DocumentKind.QC_REPORT) is None and spec_for(DocumentKind.SCAN) is None


def test_forms_that_carry_the_unit_seal():
    sealed = {spec.kind for spec in FORMS if spec.needs_seal}
    assert sealed == {DocumentKind.ENTRY_FORM, DocumentKind.ENTERPRISE_NOMINATION, DocumentKind.PROMOTER_NOMINATION,
                      DocumentKind.GROUP_REGISTRATION, DocumentKind.TEAM_NOMINATION}


def test_texts_with_a_word_limit_are_the_notices_700_zi_stories():
    limited = {(spec.annex, f.name): f.word_limit for spec in FORMS for f in spec.fields if f.word_limit}
    assert limited[("附件3", "经验事迹简介")] == 700
    assert limited[("附件4", "本人主要事迹和绩效")] == 700


def test_every_label_printed_on_the_entry_form_is_a_field_of_its_spec():
    index = index_for(ENTRY_FORM.fields)
    printed = [label for row in entry_pairs(entry()) for label in row[0::2]]
    assert all(index.match(label) for label in printed), printed
    text = read_docx(entry_form(entry())).text()
    assert ENTRY_FORM.titles[0] in text
    required = [f.name for f in ENTRY_FORM.fields if f.required]
    assert "传真" not in required and "课题类型" in required and ENTRY_FORM.field("人数").numeric
