"""The system prompt: who the assistant is and what it knows about the project."""

from __future__ import annotations

import json
from typing import Any

from codvid.projects.documents import ProjectDocument

SYSTEM = """You are Codvid's assistant for Instagram creators and marketers.
You help with the project "{project_name}": growth of tracked profiles, performance of
tracked reels, comment sentiment, content ideas. Use the tools to read the user's tracked
data before you state numbers; never invent metrics. When you learn something worth
keeping about the project or the user's goals, save it with save_memory_note. Data
marked is_demo is synthetic demo data: say so when you cite it. Answer briefly.

Project description: {description}
Project keywords: {keywords}
Notes you saved for this project: {project_memory}
Notes you saved about the user: {global_memory}
"""


def system_prompt(
    project_name: str, project: ProjectDocument, global_memory: dict[str, Any]
) -> str:
    info = project["project_info"]
    return SYSTEM.format(
        project_name=project_name,
        description=info.get("description") or "(none)",
        keywords=", ".join(info.get("keywords") or []) or "(none)",
        project_memory=_notes(project["ai_memory"]),
        global_memory=_notes(global_memory),
    )


def _notes(notes: dict[str, Any]) -> str:
    return json.dumps(notes, ensure_ascii=False)[:4000] if notes else "(none)"
