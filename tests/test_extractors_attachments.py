"""extract_all: every file read once, and an unnamed scan read by OCR only when its form
could change what the mail is told (`scans_can_matter`).

The decision with a scan left unread must be the one OCR would have given: each
skipping case is judged both ways, by the real rules, and compared.
"""
from __future__ import annotations

import functools

from intake.base.model import Attachment, DocumentKind, Recognition, Stamp, Submission, Verdict
from intake.extractors import build, extract_document, read
from intake.fetch.archive import sha256_hex
from intake.extractors.attachments import extract_all
from intake.sort.assemble import pair_documents
from intake.sort.classify import classify_content
from intake.validators import RuleContext, validate, verdict_of
from intake.validators.writeups import is_write_up
from samples.forms import entry_form_docx, entry_form_lines, qc_report_docx
from samples.forms_other import group_registration_docx
from samples.entries import sample_entry, sample_members
from samples.mails import submission_mail
from samples.scans import phone_jpeg, photo_of_page, scan_of_form_png, scan_pdf
from samples.seals import seal_png
from intake.mime.parse import parse_mail
from tests.readings import COMPETITION, ON_TIME

PHOTO = "IMG_4821.JPG"
SCANNER_APP = "扫描全能王 2023-02-27 10.15.pdf"


@functools.lru_cache(maxsize=None)
def stamped_page(seed: int) -> bytes:
    data = sample_entry(seed)
    return scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise), skew=0.6)


def mail_of(seed: int, *, word_seal: bool, scan: tuple[str, bytes], extra=()):
    data = sample_entry(seed)
    seal = seal_png(data.enterprise) if word_seal else None
    files = [(f"报名表-{data.group}.docx", entry_form_docx(data, seal=seal)),
             (f"{data.topic}.docx", qc_report_docx(data, images=1, wording=seed)), *extra, scan]
    return parse_mail(submission_mail(data, files), ON_TIME)


def judged(mail, documents):
    """What the mail is told: classification, verdict and every finding, as the pipeline
    judges it (intake/run/pipeline.py `_check`)."""
    documents = tuple(documents)
    sub = Submission(mail=mail, documents=documents,
                     pairings=pair_documents(tuple(d for d in documents if not is_write_up(d))))
    findings = validate(sub, RuleContext(COMPETITION, ON_TIME))
    return (classify_content(mail, documents, COMPETITION).kind, verdict_of(findings),
            sorted((f.code, f.detail) for f in findings))


def every_file_read_by_ocr(mail):
    return [extract_document(att) for att in mail.attachments]


def scan_in(documents, name):
    return next(doc for doc in documents if doc.filename == name)


def test_scan_beside_a_stamped_word_form_is_not_read_and_the_answer_is_the_same():
    for seed, scan in ((301, (PHOTO, photo_of_page(stamped_page(301), tilt=2.0, seed=301))),
                       (302, (SCANNER_APP, scan_pdf([stamped_page(302)], watermark="Scanned with CamScanner")))):
        mail = mail_of(seed, word_seal=True, scan=scan)
        skipped = extract_all(mail.attachments).documents
        unread = scan_in(skipped, scan[0])
        assert (unread.kind, unread.recognised_by, unread.stamp) == (DocumentKind.SCAN, None, Stamp.PRESENT)
        with_ocr = every_file_read_by_ocr(mail)
        assert scan_in(with_ocr, scan[0]).kind is DocumentKind.ENTRY_FORM  # what OCR would have said
        assert judged(mail, skipped) == judged(mail, with_ocr)
        assert judged(mail, skipped)[1] is Verdict.ACCEPTED


def test_scan_beside_an_unstamped_word_form_is_read_to_place_its_seal():
    mail = mail_of(303, word_seal=False, scan=(PHOTO, phone_jpeg(stamped_page(303))))
    documents = extract_all(mail.attachments).documents
    photo = scan_in(documents, PHOTO)
    assert (photo.kind, photo.recognised_by, photo.stamp) == (DocumentKind.ENTRY_FORM, Recognition.OCR,
                                                             Stamp.PRESENT)
    assert "MISSING_STAMP" not in {code for code, _ in judged(mail, documents)[2]}


def test_scan_is_read_when_another_form_to_be_stamped_has_no_seal_of_its_own():
    # The 报名表 is stamped, the 附件5 is not: whose seal is on the photo decides
    # between MISSING_STAMP (it is the 报名表's) and a lent seal (it is the 附件5's).
    data = sample_entry(304)
    registration = ("附件5：注册登记表.docx", group_registration_docx(data, sample_members(data)))
    mail = mail_of(304, word_seal=True, scan=(PHOTO, phone_jpeg(stamped_page(304))), extra=[registration])
    documents = extract_all(mail.attachments).documents
    assert scan_in(documents, PHOTO).kind is DocumentKind.ENTRY_FORM
    assert judged(mail, documents) == judged(mail, every_file_read_by_ocr(mail))
    assert "MISSING_STAMP" in {code for code, _ in judged(mail, documents)[2]}


def test_scan_is_read_when_the_mail_has_no_word_form():
    data = sample_entry(305)
    files = [(f"{data.topic}.docx", qc_report_docx(data, images=1, wording=305)),
             (PHOTO, phone_jpeg(stamped_page(305)))]
    mail = parse_mail(submission_mail(data, files), ON_TIME)
    photo = scan_in(extract_all(mail.attachments).documents, PHOTO)
    assert (photo.kind, photo.recognised_by) == (DocumentKind.ENTRY_FORM, Recognition.OCR)


def test_scan_is_read_when_two_reports_share_one_form():
    # One of the reports has no 报名表 in Word: the scan may be its form.
    data, other = sample_entry(306), sample_entry(307)
    second = (f"{other.topic}.docx", qc_report_docx(other, images=1, wording=307))
    mail = mail_of(306, word_seal=True, scan=(PHOTO, phone_jpeg(stamped_page(307))), extra=[second])
    photo = scan_in(extract_all(mail.attachments).documents, PHOTO)
    assert (photo.kind, photo.recognised_by) == (DocumentKind.ENTRY_FORM, Recognition.OCR)



def test_an_unread_scan_read_by_ocr_later_is_what_one_reading_with_ocr_gives(monkeypatch):
    # extract_all's second look reads the scan's pages only: the PDF is not parsed again
    # nor the seal looked for again, and the document is the one a single reading gives.
    def refuse(*args, **kwargs):
        raise AssertionError("read again")

    page = stamped_page(61)
    for name, payload in ((PHOTO, phone_jpeg(page)), (SCANNER_APP, scan_pdf([page]))):
        att = Attachment(filename=name, content_type="", payload=payload, sha256=sha256_hex(payload))
        unread, whole = extract_document(att, ocr=False), extract_document(att)
        assert unread.kind is DocumentKind.SCAN and whole.kind is DocumentKind.ENTRY_FORM
        for module, function in ((read, "run_limited"), (build, "detect_stamp"), (build, "stamp_of_pictures")):
            monkeypatch.setattr(module, function, refuse)
        assert read.read_scan(att, unread) == whole
        monkeypatch.undo()
