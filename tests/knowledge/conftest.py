"""Knowledge fixtures: editors and reviewers of Guangdong and of Guangzhou, HQ's editor, the
categories; and ``publish``, an article written, reviewed and published in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.knowledge import service as kb
from telcodesk.knowledge.models import KbArticle
from telcodesk.knowledge.rules import Action
from telcodesk.knowledge.schemas import ArticleIn
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role
from tests.factories import PASSWORD, World


@dataclass
class Desk:
    editor: Staff  # Guangdong province
    reviewer: Staff  # Guangdong province
    gz_editor: Staff
    gz_reviewer: Staff
    hq_editor: Staff
    hq_reviewer: Staff
    world: World


@pytest.fixture
def desk(factory: sessionmaker[Session], world: World) -> Desk:
    with unit_of_work(factory) as session:
        kb.seed_categories(session)
        units = {u: org.get_unit_by_code(session, u) for u in ("GD", "GZ", "HQ")}

        def staff(username: str, unit: str, role: Role) -> Staff:
            return org.create_staff(
                session,
                username=username,
                display_name=username,
                password=PASSWORD,
                unit=units[unit],
                role=role,
            )

        return Desk(
            editor=staff("gd.kbeditor", "GD", Role.KNOWLEDGE_EDITOR),
            reviewer=staff("gd.kbreviewer", "GD", Role.KNOWLEDGE_REVIEWER),
            gz_editor=staff("gz.kbeditor", "GZ", Role.KNOWLEDGE_EDITOR),
            gz_reviewer=staff("gz.kbreviewer", "GZ", Role.KNOWLEDGE_REVIEWER),
            hq_editor=staff("hq.kbeditor", "HQ", Role.KNOWLEDGE_EDITOR),
            hq_reviewer=staff("hq.kbreviewer", "HQ", Role.KNOWLEDGE_REVIEWER),
            world=world,
        )


def article(**fields: Any) -> ArticleIn:
    base: dict[str, Any] = {
        "title": "宽带断网处理",
        "answer": "请先重启光猫，观察LOS灯是否红灯。",
        "category": "broadband",
        "region_code": "440000",
    }
    return ArticleIn.model_validate({**base, **fields})


def publish(
    session: Session, editor: Staff, reviewer: Staff, data: ArticleIn | None = None, **fields: Any
) -> KbArticle:
    a = kb.create_article(session, editor, data or article(**fields))
    kb.act(session, editor, a.number, Action.SUBMIT)
    kb.act(session, reviewer, a.number, Action.APPROVE)
    kb.act(session, editor, a.number, Action.PUBLISH)
    return a
