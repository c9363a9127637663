"""Customer imports by upload (CD-1, issue 10 item 7): a CSV or Excel file sent through the API
or the console becomes a job that runs in the background while the page shows its progress.

- ``start`` checks who may import (CUSTOMER_EDIT), the file's format (CSV in UTF-8 or an .xlsx
  workbook, told by its bytes, not its name) and its header row, then records the job
  (``running``) in its own short transaction and hands the file to a thread.
- The thread imports it as ``telcodesk customers import`` does (``imports.import_customers``:
  every row checked, bad rows reported, good rows written in one transaction) and writes the
  job's result in that same transaction: the job reads ``done`` exactly when its rows are in;
  an error rolls everything back and the job reads ``failed`` with its message.
- Progress (rows checked, rows written) lives in this process's memory while the job runs, as
  the import's transaction may hold SQLite's write lock for its whole length; ``view`` merges
  it with the stored job. The stored row is what survives: a job whose process stopped while
  it ran stays ``running`` with no progress — ``view`` reports it ``failed`` once it is older
  than ``STALE_AFTER`` and unknown to this process.
- Only the staff member who started a job sees it (404 for anyone else).
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers import imports
from telcodesk.customers.models import CustomerImportJob
from telcodesk.db import unit_of_work
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission

RUNNING, DONE, FAILED = "running", "done", "failed"
STALE_AFTER = timedelta(hours=2)
XLSX_MAGIC = b"PK\x03\x04"
STOPPED = "导入进程已中止，未写入任何数据 / the import stopped; nothing written"
MAX_ERRORS_KEPT = 100_000  # rows reported in the stored report; the count stays exact


@dataclass
class Progress:
    checked: int = 0
    written: int = 0


_live: dict[int, Progress] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class JobView:
    id: int
    filename: str
    format: str
    status: str
    total: int | None
    checked: int
    written: int
    imported: int
    products: int
    rejected: int
    message: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        """Checking is the first half of the bar, writing the second."""
        if self.status != RUNNING:
            return 100
        if not self.total:
            return 0
        good = max(self.total - self.rejected, 1)
        return min(99, int(50 * self.checked / self.total + 50 * self.written / good))


def _detect(filename: str, data: bytes) -> tuple[str, Any]:
    """(format, parsed source): an .xlsx workbook by its zip signature, else UTF-8 CSV."""
    if not data:
        raise ValidationFailed("请选择要导入的文件", "Choose a file to import", code="import_file")
    if data.startswith(XLSX_MAGIC):
        return "xlsx", imports.open_xlsx(io.BytesIO(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "文件须为 UTF-8 编码的 CSV 或 Excel（.xlsx）",
            "The file must be UTF-8 CSV or an Excel workbook (.xlsx)",
            code="import_format",
            details={"filename": filename[:200]},
        ) from exc
    return "csv", text


def _rows(fmt: str, source: Any) -> Any:
    if fmt == "xlsx":
        return imports.read_xlsx(source)
    return imports.read(io.StringIO(source, newline=""))


def _total(fmt: str, source: Any) -> int | None:
    if fmt == "xlsx":
        return imports.xlsx_rows(source)
    return max(source.count("\n") - 1 + (0 if source.endswith("\n") else 1), 0)


def start(
    factory: sessionmaker[Session], actor: Staff, filename: str, data: bytes
) -> CustomerImportJob:
    """Check the upload, record the job and start it; the job's id comes back at once."""
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    fmt, source = _detect(filename, data)
    try:
        next(iter(_rows(fmt, source)), None)  # the header's columns, checked before the job
    finally:
        if fmt == "xlsx":  # the peek consumed the stream: the job opens the workbook afresh
            source.close()
    if fmt == "xlsx":
        source = imports.open_xlsx(io.BytesIO(data))
    with unit_of_work(factory) as session:
        job = CustomerImportJob(
            staff_id=actor.id,
            filename=(filename or "upload")[:200],
            format=fmt,
            status=RUNNING,
            total=_total(fmt, source),
            checked=0,
            written=0,
            imported=0,
            products=0,
            rejected=0,
            errors=[],
            created_at=clock.now(),
        )
        session.add(job)
        session.flush()
        session.expunge(job)
    with _lock:
        _live[job.id] = Progress()
    worker = threading.Thread(
        target=_run, args=(factory, job.id, actor.id, fmt, source), daemon=True, name="import"
    )
    worker.start()
    return job


def _run(factory: sessionmaker[Session], job_id: int, actor_id: int, fmt: str, source: Any) -> None:
    progress = _live[job_id]

    def checked(n: int) -> None:
        progress.checked = n

    def written(n: int) -> None:
        progress.written += n

    try:
        with unit_of_work(factory) as session:
            actor = session.get_one(Staff, actor_id)
            report = imports.import_customers(
                session, actor, _rows(fmt, source), progress=written, checked=checked
            )
            job = session.get_one(CustomerImportJob, job_id)
            job.status, job.finished_at = DONE, clock.now()
            job.checked, job.written = report.rows, report.imported
            job.imported, job.products = report.imported, report.products
            job.rejected, job.errors = report.rejected, report.errors[:MAX_ERRORS_KEPT]
            audit.record(
                session,
                actor,
                "customers_imported",
                "customer_import_job",
                job_id,
                imported=report.imported,
                rejected=report.rejected,
            )
    except Exception as exc:
        message = getattr(exc, "message_zh", None) or f"{type(exc).__name__}: {exc}"
        with unit_of_work(factory) as session:
            job = session.get_one(CustomerImportJob, job_id)
            job.status, job.finished_at, job.message = FAILED, clock.now(), str(message)[:300]
    finally:
        if fmt == "xlsx":
            source.close()
        with _lock:
            _live.pop(job_id, None)


def _own(session: Session, viewer: Staff, job_id: int) -> CustomerImportJob:
    job = session.get(CustomerImportJob, job_id)
    if job is None or job.staff_id != viewer.id:
        raise NotFound("导入任务不存在", "Import not found", code="import_not_found")
    return job


def view(session: Session, viewer: Staff, job_id: int) -> JobView:
    """The job as it stands: stored state, with this process's live progress while it runs."""
    job = _own(session, viewer, job_id)
    with _lock:
        live = _live.get(job_id)
    status, message = job.status, job.message
    checked, written = job.checked, job.written
    if status == RUNNING and live is not None:
        checked, written = live.checked, live.written
    elif status == RUNNING and clock.now() - job.created_at > STALE_AFTER:
        status, message = (
            FAILED,
            "导入进程已中止，未写入任何数据 / the import stopped; nothing written",
        )
    return JobView(
        id=job.id,
        filename=job.filename,
        format=job.format,
        status=status,
        total=job.total,
        checked=checked,
        written=written,
        imported=job.imported,
        products=job.products,
        rejected=job.rejected,
        message=message,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def error_report(session: Session, viewer: Staff, job_id: int) -> str:
    """The rejected rows as CSV (line, errors), with a BOM so Excel reads the Chinese."""
    job = _own(session, viewer, job_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["line", "errors"])
    writer.writerows([e["line"], "; ".join(e["errors"])] for e in job.errors)
    return out.getvalue()
