"""The hall KPIs page (T-3, T-4; issue 11 item 8): a hall day's waits and handling by type,
tier, counter and hour with charts (ECharts, vendored), counter utilisation from the counters'
open and paused periods, and T-4 against the hall's calendar. Duty managers of the region;
the numbers are the API's (``halls.queries.day_kpis``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from telcodesk import clock
from telcodesk.deps import DbDep
from telcodesk.halls import queries, setup
from telcodesk.halls.schemas import HALL_CODE_PATTERN
from telcodesk.inputs import Day
from telcodesk.org.permissions import Permission
from telcodesk.web.kernel import ConsoleStaff, render

router = APIRouter(include_in_schema=False)


@router.get("/console/halls/{hall}/kpis", response_class=HTMLResponse)
def kpis_page(
    request: Request,
    hall: Annotated[str, Path(pattern=HALL_CODE_PATTERN, max_length=40)],
    staff: ConsoleStaff,
    db: DbDep,
    day: Day | None = None,
) -> HTMLResponse:
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall, Permission.HALL_MANAGE)
        shown = day or clock.local(clock.now()).date()
        return render(
            request, "halls/kpis.html", staff, hall=unit, day=shown,
            kpis=queries.day_kpis(session, unit, shown),
        )  # fmt: skip
