"""Every action the code writes to the audit log has a label on the audit pages."""

from __future__ import annotations

import re
from pathlib import Path

from minzheng.audit.models import ACTION_LABELS
from minzheng.workflow.selectors import WORKFLOW_MODELS

SOURCE = Path(__file__).resolve().parents[2] / "minzheng"


def test_every_action_written_has_a_label():
    written = {
        action
        for path in SOURCE.rglob("*.py")
        for action in re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text("utf-8"))
    }
    written |= {
        f"{workflow.name}.{transition.name}"
        for workflow, _model, _filter in WORKFLOW_MODELS.values()
        for transition in workflow.transitions
    }
    assert "assistance.case.approve" in written
    assert "registry.person.move" in written
    assert written - set(ACTION_LABELS) == set()
