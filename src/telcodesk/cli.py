"""Command line: ``telcodesk init | serve | worker | db upgrade | user … | org … | demo |
customers merge``."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from telcodesk.config import get_settings
from telcodesk.db import (
    SchemaNotMigrated,
    create_db_engine,
    make_session_factory,
    require_migrated,
    unit_of_work,
)
from telcodesk.db import upgrade as db_upgrade
from telcodesk.errors import DomainError
from telcodesk.org.roles import Role
from telcodesk.wiring import wire

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from telcodesk.org.models import Staff

app = typer.Typer(
    help="telcodesk — 电信客服工单系统 / carrier customer-service work orders", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema / 数据库", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts / 员工账号", no_args_is_help=True)
app.add_typer(db_app, name="db")
org_app = typer.Typer(help="Organisation / 组织 (CSV import)", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(org_app, name="org")
customers_app = typer.Typer(help="Customers / 客户 (merge duplicates)", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
closure_app = typer.Typer(
    help="Closure code lists / 归档代码表 (root causes, responsibilities)", no_args_is_help=True
)
app.add_typer(closure_app, name="closure-codes")
console = Console()


@app.callback()
def _wired() -> None:
    """Every command runs with the lifecycle reactions plugged in (telcodesk.wiring)."""
    wire()


def _factory():  # type: ignore[no-untyped-def]
    settings = get_settings()
    engine = create_db_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        sqlite_write_turn=settings.sqlite_write_turn,
    )
    try:
        require_migrated(engine)
    except SchemaNotMigrated as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return make_session_factory(engine)


@db_app.command("upgrade")
def upgrade(revision: str = "head") -> None:
    """Apply migrations (Alembic) / 执行数据库迁移."""
    url = get_settings().database_url
    db_upgrade(url, revision)
    console.print(f"[green]schema at {revision}[/green] ({url.split('@')[-1]})")


@app.command()
def init() -> None:
    """Migrate and load reference data (HQ, categories, system account); safe to repeat."""
    from telcodesk.demo import ensure_reference_data

    upgrade()
    with unit_of_work(_factory()) as session:
        ensure_reference_data(session)
    console.print("[green]reference data ready[/green]")


@app.command()
def demo(
    orders: Annotated[
        int, typer.Option(min=0, max=2_000_000, help="Total demo orders wanted")
    ] = 5000,
) -> None:
    """Load the demo province, staff, customers and orders (idempotent: tops up to --orders)."""
    from telcodesk.demo import load_demo

    factory = _factory()
    columns = (
        TextColumn("[bold]demo orders"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("orders", total=orders)
        summary = load_demo(
            factory,
            orders=orders,
            password=get_settings().demo_password,
            progress=lambda n: progress.advance(task, n),
        )
        progress.update(task, completed=orders)
    console.print(
        f"units {summary.units} · staff {summary.staff} · customers {summary.customers} · "
        f"orders added {summary.orders_added} (total {summary.orders_total})"
    )
    from telcodesk.counter.demo import load_counter_demo  # as load_demo above

    console.print(f"counter visits added {load_counter_demo(factory)}")


def _print_demo_accounts() -> None:
    from telcodesk.demo import demo_accounts

    with unit_of_work(_factory()) as session:
        accounts = demo_accounts(session)
    if not accounts:
        return
    table = Table(title=f"演示账号 / demo accounts — password: {get_settings().demo_password}")
    for col in ("username", "name", "role", "unit"):
        table.add_column(col)
    for row in accounts:
        table.add_row(*row)
    console.print(table)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes")] = 1,
    with_worker: Annotated[bool, typer.Option(help="Run the scheduled jobs in-process")] = True,
) -> None:
    """Serve the API and the console (and, by default, the worker in-process)."""
    import uvicorn

    _factory()  # refuses to start on an un-migrated database
    _print_demo_accounts()
    # Several API processes must not all run the jobs; use `telcodesk worker` beside them.
    os.environ["TELCODESK_EMBEDDED_WORKER"] = "1" if with_worker and workers == 1 else "0"
    get_settings.cache_clear()
    # uvicorn shuts down gracefully on SIGTERM (requests finish, the embedded worker's batch
    # commits), then re-raises the signal to the handler it found: a no-op here, so a clean
    # stop exits 0 for systemd and the container runtime.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: None)
    config = uvicorn.Config(
        "telcodesk.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    # One line once the socket listens (not before), for people and for start-up scripts.
    ready = f"ready: console http://{host}:{port}/ · API docs http://{host}:{port}/docs"
    if workers == 1:

        class ReadyServer(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    console.print(ready)

        ReadyServer(config).run()
        return
    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    sock.listen(config.backlog)  # connections queue from now on, until a process accepts them
    console.print(ready)
    Multiprocess(config, sockets=[sock]).run()  # as uvicorn.run does for workers > 1


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="One round of every job, then exit")] = False,
    list_jobs: Annotated[bool, typer.Option("--list", help="List the jobs and exit")] = False,
    job: Annotated[str | None, typer.Option("--job", help="Run one job (all its batches)")] = None,
) -> None:
    """Run the scheduled jobs (SLA clocks, call-back timeouts, dispatch, clean-up) until
    stopped. SIGTERM or Ctrl-C: the batch in hand commits, then the worker exits."""
    from telcodesk.worker import JOBS, Worker

    if list_jobs:
        for name, j in JOBS.items():
            typer.echo(f"{name}\t{j.description}")
        return
    if job is not None and job not in JOBS:
        console.print(f"[red]未知作业 / unknown job {job!r}[/red]; try --list")
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    w = Worker(_factory(), get_settings())

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        w.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if job is not None:
        console.print({job: w.run_job(job)})
        return
    if once:
        console.print(w.sweep())
        return
    console.print("worker running; Ctrl-C to stop")
    w.run_forever()


def _password(from_stdin: bool) -> str:
    """A password from standard input (one line: scripts, secret stores) or typed at a hidden
    prompt twice — never from the command line, where shells and `ps` would keep it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True))


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input")
]
Actor = Annotated[str, typer.Option(help="Admin account the change is made and audited as")]


def _as_admin(actor: str, change: Callable[[Session, Staff], object], done: str) -> None:
    """Run an account change as ``actor`` (their region and level confine it, CD-2)."""
    from telcodesk.org import service as org

    try:
        with unit_of_work(_factory()) as session:
            change(session, org.get_staff_by_username(session, actor))
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]{done}[/green]")


@user_app.command("add")
def user_add(
    username: str,
    display_name: Annotated[str, typer.Option("--name")],
    unit: Annotated[str, typer.Option(help="Unit code, e.g. HQ")],
    role: Annotated[Role, typer.Option()],
    password_stdin: PasswordStdin = False,
    actor: Annotated[
        str | None,
        typer.Option(
            help="Admin the account is created as (its region and level apply; the "
            "password must then be changed at first login). Without: set-up."
        ),
    ] = None,
) -> None:
    """Create a staff account / 新增员工账号."""
    from telcodesk.org import admin
    from telcodesk.org import service as org
    from telcodesk.org.admin_schemas import StaffIn

    password = _password(password_stdin)
    if actor is not None:
        data = {"username": username, "display_name": display_name, "unit_code": unit,
                "role": role, "password": password}  # fmt: skip
        try:
            body = StaffIn.model_validate(data)
        except ValidationError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        _as_admin(actor, lambda s, a: admin.add_staff(s, a, body), f"created {username}")
        return
    try:  # set-up: the operator at the machine creates the first accounts
        with unit_of_work(_factory()) as session:
            org.create_staff(
                session,
                username=username,
                display_name=display_name,
                password=password,
                unit=org.get_unit_by_code(session, unit),
                role=role,
            )
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]created {username}[/green]")


@user_app.command("disable")
def user_disable(username: str, actor: Actor) -> None:
    """Disable an account; its sessions and API tokens end / 停用账号."""
    from telcodesk.org import accounts

    _as_admin(
        actor, lambda s, a: accounts.set_active(s, a, username, False), f"disabled {username}"
    )


@user_app.command("enable")
def user_enable(username: str, actor: Actor) -> None:
    """Enable a disabled account / 启用账号."""
    from telcodesk.org import accounts

    _as_admin(actor, lambda s, a: accounts.set_active(s, a, username, True), f"enabled {username}")


@user_app.command("unlock")
def user_unlock(username: str, actor: Actor) -> None:
    """End a lock-out before it runs out / 解锁账号."""
    from telcodesk.org import accounts

    _as_admin(actor, lambda s, a: accounts.unlock(s, a, username), f"unlocked {username}")


@user_app.command("reset-password")
def user_reset_password(username: str, actor: Actor, password_stdin: PasswordStdin = False) -> None:
    """Set a temporary password, changed at next login / 重置密码."""
    from telcodesk.org import accounts

    password = _password(password_stdin)
    _as_admin(
        actor,
        lambda s, a: accounts.reset_password(s, a, username, password),
        f"password of {username} reset; to be changed at next login",
    )


@user_app.command("set-role")
def user_set_role(username: str, role: Role, actor: Actor) -> None:
    """Give an account another role / 修改角色."""
    from telcodesk.org import accounts

    _as_admin(actor, lambda s, a: accounts.set_role(s, a, username, role), f"{username}: {role}")


@user_app.command("set-unit")
def user_set_unit(username: str, unit: str, actor: Actor) -> None:
    """Move an account to another unit / 调整所属单元."""
    from telcodesk.org import accounts

    _as_admin(actor, lambda s, a: accounts.set_unit(s, a, username, unit), f"{username} → {unit}")


@app.command()
def roles() -> None:
    """Print the role matrix, who may act on an order and who takes which order types
    (Markdown, as in docs/roles.md)."""
    from telcodesk.workorders.roles_doc import roles_markdown

    typer.echo(roles_markdown(), nl=False)


@app.command()
def hooks() -> None:
    """Print who reacts to what in the order lifecycle (Markdown, as in docs/hooks.md)."""
    from telcodesk.wiring import hooks_markdown

    typer.echo(hooks_markdown(), nl=False)


def _import(kind: str, path: str, actor: str) -> None:
    from telcodesk.org import admin
    from telcodesk.org import service as org

    try:
        text = open(path, encoding="utf-8-sig").read()  # noqa: SIM115 - small file, read once
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            result = (admin.import_units if kind == "units" else admin.import_staff)(
                session, who, text
            )
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]cannot read {path}: {exc}[/red]")
        raise typer.Exit(1) from exc
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        for row in exc.details or []:
            console.print(f"  line {row['line']}: {'; '.join(row['errors'])}")
        raise typer.Exit(1) from exc
    console.print(f"[green]{kind}: {result.created} created, {result.updated} updated[/green]")


@org_app.command("import-units")
def import_units(
    path: str, actor: Annotated[str, typer.Option(help="Admin account the change is audited under")]
) -> None:
    """Units from CSV: code,name,kind,region_code,parent_code,open_time,close_time,workdays_only."""
    _import("units", path, actor)


@org_app.command("import-staff")
def import_staff(
    path: str, actor: Annotated[str, typer.Option(help="Admin account the change is audited under")]
) -> None:
    """Staff from CSV: username,display_name,unit_code,role,password,skills (';'-separated)."""
    _import("staff", path, actor)


@customers_app.command("merge")
def customers_merge(
    keep: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="Customer id to keep")],
    duplicate: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="Duplicate to fold in")],
    actor: Annotated[str, typer.Option(help="Admin account the merge is audited under")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")],
) -> None:
    """Merge a duplicate customer into another: its orders move, it points to the kept one,
    audited (BH-5) / 合并重复客户."""
    from telcodesk.org import service as org
    from telcodesk.workorders import merge

    try:
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            result = merge.merge_customers(
                session, who, keep_id=keep, duplicate_id=duplicate, reason=reason
            )
            moved = result.order_numbers
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"[green]customer {duplicate} merged into {keep}: {len(moved)} orders moved"
        f"{' (' + ', '.join(moved) + ')' if moved else ''}[/green]"
    )


@customers_app.command("import")
def customers_import(
    path: Annotated[
        str, typer.Argument(help="CSV or .xlsx: name,phone,city_code[,type,tier,id_type,...]")
    ],
    actor: Annotated[str, typer.Option(help="Account the import runs as (CUSTOMER_EDIT)")],
    errors: Annotated[str, typer.Option(help="Write the rejected rows' report here")] = "",
) -> None:
    """Bulk import customers and their products from CSV or Excel (CD-1): bad rows reported
    with their line, good rows land, nothing half written / 批量导入客户资料."""
    import csv as csv_module
    import io
    from pathlib import Path

    from telcodesk.customers import imports
    from telcodesk.org import service as org

    columns = (
        TextColumn("[bold]customers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with (
            # An Excel workbook (by its zip signature) streams its first sheet; else CSV.
            open(path, "rb") as raw,
            unit_of_work(_factory()) as session,
            Progress(*columns, console=console) as bar,
        ):
            if raw.read(4) == b"PK\x03\x04":
                raw.seek(0)
                rows = imports.read_xlsx(imports.open_xlsx(raw))
            else:
                raw.seek(0)
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                rows = imports.read(text)
            task = bar.add_task("rows", total=None)
            who = org.get_staff_by_username(session, actor)
            report = imports.import_customers(
                session, who, rows, progress=lambda n: bar.advance(task, n)
            )
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    if errors and report.errors:
        with Path(errors).open("w", encoding="utf-8", newline="") as out:
            writer = csv_module.writer(out)
            writer.writerow(["line", "errors"])
            writer.writerows([e["line"], "; ".join(e["errors"])] for e in report.errors)
    for e in report.errors[:10]:
        console.print(f"[yellow]line {e['line']}: {'; '.join(e['errors'])}[/yellow]")
    console.print(
        f"rows {report.rows} · imported {report.imported} (products {report.products}) · "
        f"rejected {report.rejected}"
    )


# --- knowledge base 信息采编 (KB-1, KB-2) ---------------------------------------------------
kb_app = typer.Typer(
    help="Knowledge base / 知识库 (search, import, export, reply templates)", no_args_is_help=True
)
app.add_typer(kb_app, name="kb")
KbActor = Annotated[str, typer.Option("--as", help="Account whose region and rights apply")]


@kb_app.command("search")
def kb_search(
    query: str,
    actor: KbActor,
    region: Annotated[str | None, typer.Option(help="Narrow to a city or province code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
) -> None:
    """Search the live articles as an account sees them / 按账号所在地区检索知识."""
    from telcodesk.knowledge import search, service
    from telcodesk.org import service as org

    try:
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            hits = service.search_articles(session, who, query, region=region, limit=limit)
            for r, a, v in hits:
                where = a.city_code or a.province_code or "全国"
                console.print(f"{r.score:.3f}  {a.number}  {v.title}  ({where})")
                plain = search.snippet(v.answer, search.highlight_terms(query))
                console.print(
                    "        " + plain.replace("<mark>", "[bold]").replace("</mark>", "[/bold]")
                )
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc


@kb_app.command("import")
def kb_import(
    path: str,
    actor: KbActor,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    publish: Annotated[bool, typer.Option(help="Publish at once (editors)")] = False,
) -> None:
    """Bulk import articles from JSON lines or CSV (docs/knowledge.md) / 批量导入知识."""
    from telcodesk.knowledge import importer
    from telcodesk.org import service as org

    try:
        text = open(path, encoding="utf-8-sig").read()  # noqa: SIM115 - read once
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            result = importer.import_articles(session, who, text, fmt=fmt, publish=publish)
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]cannot read {path}: {exc}[/red]")
        raise typer.Exit(1) from exc
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    for row in result.errors:
        console.print(f"  line {row.row}: {'; '.join(row.errors)}")
    refused = len(result.errors)
    console.print(
        f"[green]{result.created} created, {result.published} published, {refused} refused[/green]"
    )
    if result.errors:
        raise typer.Exit(1)


@kb_app.command("export")
def kb_export(actor: KbActor) -> None:
    """The live articles the account may read, as JSON lines on stdout / 导出知识."""
    from telcodesk.knowledge import importer
    from telcodesk.org import service as org

    with unit_of_work(_factory()) as session:
        who = org.get_staff_by_username(session, actor)
        for line in importer.export_lines(session, who):
            typer.echo(line, nl=False)


@kb_app.command("replies")
def kb_replies(
    actor: KbActor,
    order: Annotated[str | None, typer.Option(help="Fill them for this order")] = None,
) -> None:
    """Reply templates 话术 the account sees; with --order, filled for that order."""
    from telcodesk.knowledge import replies
    from telcodesk.org import service as org

    try:
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            if order is None:
                for t in replies.listed(session, who):
                    console.print(f"{t.id:>5}  {t.state:8}  {t.category_code or '*':24}  {t.title}")
                return
            for t in replies.for_order(session, who, order)[1]:
                text = replies.filled(session, who, order, t.id)[2]
                console.print(f"{t.id:>5}  {t.title}\n       {text}", markup=False)
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc


@closure_app.command("list")
def closure_list(
    all_: Annotated[bool, typer.Option("--all", help="Retired entries too")] = False,
) -> None:
    """The root causes and responsibilities an archive records (SQ-2)."""
    from telcodesk.workorders import service as workorders

    with unit_of_work(_factory()) as session:
        rows = workorders.closure_codes(session, active_only=not all_)
        table = Table("kind", "code", "中文", "English", "active")
        for r in rows:
            table.add_row(r.kind, r.code, r.name_zh, r.name_en, "yes" if r.active else "no")
    console.print(table)


@closure_app.command("set")
def closure_set(
    kind: Annotated[str, typer.Argument(help="root_cause or responsibility")],
    code: Annotated[str, typer.Argument(help="lower-case code, e.g. billing")],
    name_zh: Annotated[str, typer.Argument(help="Chinese name")],
    name_en: Annotated[str, typer.Argument(help="English name")],
    actor: Annotated[str, typer.Option(help="HQ admin the change is audited under")],
    retire: Annotated[bool, typer.Option(help="No longer offered (kept on old orders)")] = False,
) -> None:
    """Add, rename or retire an entry of a closure code list (nationwide: HQ admins)."""
    from telcodesk.org import service as org
    from telcodesk.workorders import service as workorders
    from telcodesk.workorders.schemas import ClosureCodeIn

    try:
        data = ClosureCodeIn(kind=kind, code=code, name_zh=name_zh, name_en=name_en)
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            workorders.set_closure_code(
                session, who, data.kind, data.code, data.name_zh, data.name_en, active=not retire
            )
    except ValidationError as exc:
        console.print(f"[red]{exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(2) from exc
    except DomainError as exc:
        console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]{kind}:{code} saved{' (retired)' if retire else ''}[/green]")


# --- staffing plans and rosters 排班 (CC-3) ---------------------------------------------------
staffing_app = typer.Typer(help="Staffing plans / 排班需求 (Erlang C, A)", no_args_is_help=True)
app.add_typer(staffing_app, name="staffing")
roster_app = typer.Typer(help="Rosters / 排班表 (OR-Tools CP-SAT)", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
StaffActor = Annotated[str, typer.Option("--as", help="Account whose rights and region apply")]


def _fail(exc: DomainError | ValidationError) -> typer.Exit:
    if isinstance(exc, ValidationError):
        console.print(f"[red]{exc.errors()[0]['msg']}[/red]")
        return typer.Exit(2)
    console.print(f"[red]{exc.message_zh} / {exc.message_en}[/red]")
    if exc.details:
        console.print(f"[red]{exc.details}[/red]")
    return typer.Exit(1)


@staffing_app.command("plan")
def staffing_plan(
    unit: Annotated[str, typer.Argument(help="Call centre or hall code")],
    day: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    actor: StaffActor,
    total_calls: Annotated[
        float | None, typer.Option(help="The day's calls, spread over the typical profile")
    ] = None,
    calls: Annotated[
        str | None, typer.Option(help="Calls per interval, comma-separated (48 or 24 values)")
    ] = None,
    interval: Annotated[int, typer.Option(help="30 or 60 minutes")] = 30,
    aht: Annotated[float, typer.Option(help="Average handling time, seconds")] = 270,
    sl: Annotated[float, typer.Option(help="Target service level, e.g. 0.8")] = 0.8,
    answer: Annotated[float, typer.Option(help="… answered within, seconds")] = 20,
    occupancy: Annotated[float, typer.Option(help="Maximum occupancy")] = 0.85,
    shrinkage: Annotated[float, typer.Option(help="Shrinkage")] = 0.3,
    patience: Annotated[float, typer.Option(help="Erlang A: mean patience, seconds")] = 120,
    model: Annotated[str, typer.Option(help="erlang_c or erlang_a (for the roster)")] = "erlang_c",
) -> None:
    """A day's staffing plan per interval (Erlang C and A) / 按时段计算所需坐席."""
    from telcodesk.org import service as org
    from telcodesk.rostering import service
    from telcodesk.rostering.schemas import PlanIn

    try:
        data = PlanIn.model_validate(
            {
                "day": day,
                "interval_minutes": interval,
                "calls": [float(c) for c in calls.split(",")] if calls else None,
                "total_calls": total_calls,
                "aht_seconds": aht,
                "target_sl": sl,
                "answer_seconds": answer,
                "max_occupancy": occupancy,
                "shrinkage": shrinkage,
                "patience_seconds": patience,
                "model": model,
            }
        )
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            row = service.create_plan(session, who, unit, data)
            table = Table(
                "time", "calls", "Erlangs", "C agents", "C sched", "C SL", "C ASA s",
                "A agents", "A sched", "A SL", "A abandon",
            )  # fmt: skip
            for i in row.intervals:
                c, a = i["erlang_c"], i["erlang_a"]
                assert isinstance(c, dict) and isinstance(a, dict)
                table.add_row(
                    str(i["start"]), f"{i['calls']:.0f}", f"{i['load']:.1f}",
                    str(c["agents"]), str(c["positions"]), f"{c['service_level']:.1%}",
                    f"{c['asa_seconds']:.1f}", str(a["agents"]), str(a["positions"]),
                    f"{a['service_level']:.1%}", f"{a['abandonment']:.1%}",
                )  # fmt: skip
            plan_id, totals = row.id, row.totals
    except (DomainError, ValidationError) as exc:
        raise _fail(exc) from exc
    except ValueError as exc:
        console.print(f"[red]calls: numbers separated by commas ({exc})[/red]")
        raise typer.Exit(2) from exc
    console.print(table)
    console.print(
        f"[green]plan {plan_id}: {totals['calls']:.0f} calls, "
        f"{totals['agent_hours']:.1f} agent-hours, peak {totals['peak_positions']} "
        f"scheduled ({model})[/green]"
    )


@roster_app.command("solve")
def roster_solve(
    plan: Annotated[int, typer.Argument(help="Staffing plan id")],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")],
    actor: StaffActor,
    weeks: Annotated[int, typer.Option(min=1, max=4)] = 1,
    time_limit: Annotated[float, typer.Option(help="Seconds per solve")] = 10,
    rest_days: Annotated[int, typer.Option(help="Days off in every 7")] = 2,
    max_days: Annotated[int, typer.Option(help="Working days in a row at most")] = 5,
    max_nights: Annotated[int, typer.Option(help="Nights in a row at most")] = 3,
    rest_hours: Annotated[float, typer.Option(help="Rest between shifts, hours")] = 11,
    hard_cover: Annotated[bool, typer.Option(help="Every interval fully staffed")] = False,
    leave: Annotated[
        list[str] | None, typer.Option(help="Approved leave: username:YYYY-MM-DD (repeat)")
    ] = None,
    explain: Annotated[bool, typer.Option(help="Measure which rules bind")] = True,
) -> None:
    """A roster against a plan (OR-Tools CP-SAT) / 按计划排班."""
    from telcodesk.org import service as org
    from telcodesk.rostering import service
    from telcodesk.rostering.schemas import RosterIn

    try:
        requests = []
        for item in leave or []:
            username, _, when = item.partition(":")
            requests.append({"username": username, "day": when, "kind": "off"})
        data = RosterIn.model_validate(
            {
                "start_day": start,
                "weeks": weeks,
                "time_limit_s": time_limit,
                "explain": explain,
                "requests": requests,
                "rules": {
                    "min_rest_days": rest_days,
                    "max_consecutive_days": max_days,
                    "max_consecutive_nights": max_nights,
                    "min_rest_hours": rest_hours,
                    "hard_cover": hard_cover,
                },
            }
        )
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            row = service.solve_roster(session, who, plan, data)
            table = Table("person", *[str(service.day_of(row, d))[5:] for d in range(row.days)])
            for person, days in service.grid(session, row):
                table.add_row(person.username, *[d or "·" for d in days])
            report, roster_id, status = row.report, row.id, row.status
    except (DomainError, ValidationError) as exc:
        raise _fail(exc) from exc
    console.print(table)
    console.print(
        f"[green]roster {roster_id} ({status}, {report['seconds']} s): short of the plan "
        f"{report['under_total']} agent-intervals of {report['demand_total']}, over "
        f"{report['over_total']}; binding rules {report['binding'] or 'none'}; at the limit "
        f"{report['at_limit']}[/green]"
    )


# --- hall simulator (issue 11 item 10, T-3) --------------------------------------------------
halls_app = typer.Typer(
    help="Business halls / 营业厅 (simulate a counter plan)", no_args_is_help=True
)
app.add_typer(halls_app, name="halls")


@halls_app.command("simulate")
def halls_simulate(
    counters: Annotated[
        str, typer.Option(help="number:profile[@opens-closes minutes], comma-separated")
    ] = "1:vip,2:general,3:general,4:general,5:express,6:general@60-360",
    load: Annotated[
        float, typer.Option(help="Arrivals × the standard weekday", min=0.1, max=5)
    ] = 1.0,
    days: Annotated[int, typer.Option(help="Seeded days to run", min=1, max=100)] = 5,
) -> None:
    """Simulate a counter plan over seeded days and check it against T-3 (p90 wait within
    each queue's target, transactions' mean visit ≤ 10 min) / 按窗口计划模拟并核对 T-3."""
    from telcodesk.halls import kpis, sim_days, simulator

    try:
        plan = sim_days.counter_plan(counters)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    visits: list[kpis.Visit] = []
    errors: list[float] = []
    for seed in range(days):
        result = simulator.simulate(sim_days.planned_day(plan, load), seed)
        visits += result.visits
        errors += result.errors()
    table = Table("type", "tickets", "wait mean", "wait p90", "within target", "visit mean", "left")
    groups = kpis.by(visits, "type")
    for code, s in groups.items():
        table.add_row(
            str(code), str(s.tickets), f"{s.wait_mean or 0:.1f}", f"{s.wait_p90 or 0:.1f}",
            f"{(s.within_target or 0):.1%}", f"{s.handle_mean or 0:.1f}",
            f"{(s.left_rate or 0):.1%}",
        )  # fmt: skip
    console.print(table)
    overall = kpis.summarise(visits)
    mae = sum(errors) / len(errors) if errors else 0.0
    console.print(
        f"{days} days, {overall.tickets} tickets: mean wait {overall.wait_mean or 0:.1f} min, "
        f"within target {(overall.within_target or 0):.1%}; estimate MAE {mae:.2f} min, "
        f"p90 {kpis.percentile(errors, 0.9) or 0:.2f} min"
    )
    breaches = kpis.t3_breaches(groups, sim_days.TARGETS)
    if breaches:
        console.print("[red]T-3 not met: " + "; ".join(breaches) + "[/red]")
        raise typer.Exit(1)
    console.print("[green]T-3 met by this counter plan[/green]")


def main() -> None:  # pragma: no cover
    app(prog_name="telcodesk")


if __name__ == "__main__":  # pragma: no cover
    main()


orders_app = typer.Typer(
    help="Work orders / 工单 (saved views, bulk actions)", no_args_is_help=True
)
app.add_typer(orders_app, name="orders")


@orders_app.command("views")
def orders_views(actor: StaffActor) -> None:
    """The saved views an account sees (its own, then its unit's), with their counts."""
    from telcodesk.org import service as org
    from telcodesk.worklists import service as worklists

    try:
        with unit_of_work(_factory()) as session:
            who = org.get_staff_by_username(session, actor)
            views = worklists.visible_views(session, who)
            counts = worklists.counts(session, who, views)
            table = Table("id", "name", "shared", "orders")
            for v in views:
                table.add_row(str(v.id), v.name, "yes" if v.unit_id else "", str(counts[v.id]))
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(table)


@orders_app.command("bulk")
def orders_bulk(
    action: Annotated[str, typer.Argument(help="assign, transfer, chase, archive or note")],
    numbers: Annotated[list[str], typer.Argument(help="Order numbers (WO…)")],
    actor: StaffActor,
    handler: Annotated[str | None, typer.Option(help="assign, transfer: username")] = None,
    reason: Annotated[str | None, typer.Option(help="transfer, chase, archive")] = None,
    body: Annotated[str | None, typer.Option(help="note: its text")] = None,
    root_cause: Annotated[str | None, typer.Option(help="archive: root cause code")] = None,
    responsibility: Annotated[str | None, typer.Option(help="archive: responsibility")] = None,
    justified: Annotated[bool | None, typer.Option(help="archive: complaint justified")] = None,
) -> None:
    """One action on many orders, each in its own transaction (issue 9 item 2); prints what was
    done and why the rest were refused. Exits 1 when any order was refused."""
    from telcodesk.org import service as org
    from telcodesk.worklists import service as worklists
    from telcodesk.worklists.schemas import BulkIn

    factory = _factory()
    try:
        data = BulkIn.model_validate(
            {
                "numbers": numbers,
                "action": action,
                "handler": handler,
                "reason": reason,
                "body": body,
                "root_cause": root_cause,
                "responsibility": responsibility,
                "justified": justified,
            }
        )
        with unit_of_work(factory) as session:
            who = org.get_staff_by_username(session, actor)
        summary = worklists.bulk(lambda: unit_of_work(factory), who, data)
    except (DomainError, ValidationError) as exc:
        raise _fail(exc) from exc
    for number in summary.done:
        console.print(f"[green]done[/green]     {number}")
    for r in summary.refused:
        console.print(f"[red]refused[/red]  {r.number}  {r.code}: {r.message_zh} / {r.message_en}")
    if summary.refused:
        raise typer.Exit(1)
