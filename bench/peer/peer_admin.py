"""Database chores for the django-helpdesk peer; runs inside bench/peer/.venv.

    python peer_admin.py createdb   # PostgreSQL only: drop + create PEER_PG_NAME
    python peer_admin.py dropdb     # PostgreSQL only: drop PEER_PG_NAME
    python peer_admin.py seed       # migrate, staff user + API token + queue; prints JSON
    python peer_admin.py count      # prints {"tickets": N, "followups": N}

Settings come from the same PEER_* environment variables as peerdesk/settings.py.
"""

import json
import os
import sys

USERNAME = "bench"
PASSWORD = "bench-password"  # for manual Basic-auth pokes; the benchmark uses the token


def _pg_admin(sql: str) -> None:
    # CREATE/DROP DATABASE cannot run inside Django's connection to the target DB.
    import psycopg

    with psycopg.connect(
        host=os.environ.get("PEER_PG_HOST", "127.0.0.1"),
        port=os.environ.get("PEER_PG_PORT", "5432"),
        user=os.environ.get("PEER_PG_USER", "postgres"),
        password=os.environ.get("PEER_PG_PASSWORD", ""),
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _pg_name() -> str:
    name = os.environ.get("PEER_PG_NAME", "helpdesk_bench")
    if not name.replace("_", "").isalnum():  # it is spliced into SQL below
        raise SystemExit(f"unsafe database name {name!r}")
    return name


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import django

    django.setup()


def seed() -> dict:
    _django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from helpdesk.models import Queue
    from rest_framework.authtoken.models import Token

    call_command("migrate", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": "bench@example.invalid"}
    )
    user.is_staff = True  # helpdesk's TicketViewSet requires IsAdminUser (is_staff)
    user.is_superuser = True
    user.set_password(PASSWORD)
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    queue, _ = Queue.objects.get_or_create(
        slug="bench", defaults={"title": "Bench queue", "allow_email_submission": False}
    )
    return {"username": USERNAME, "password": PASSWORD, "token": token.key, "queue_id": queue.id}


def count() -> dict:
    _django()
    from helpdesk.models import FollowUp, Ticket

    return {"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count()}


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "createdb":
        _pg_admin(f"DROP DATABASE IF EXISTS {_pg_name()} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {_pg_name()}")
    elif cmd == "dropdb":
        _pg_admin(f"DROP DATABASE IF EXISTS {_pg_name()} WITH (FORCE)")
    elif cmd == "seed":
        print(json.dumps(seed()))
    elif cmd == "count":
        print(json.dumps(count()))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
