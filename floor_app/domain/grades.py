"""Grades, their order, the disposition of each, and grades implied by a checklist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DISPOSITION_LABELS = {
    "restock": "RESTOCK",
    "restock_open_box": "RESTOCK OPEN BOX",
    "send_to_dc": "SEND TO DC",
    "refurbish": "REFURBISH",
    "liquidate": "LIQUIDATE",
    "recycle": "RECYCLE",
}


class GradeError(ValueError):
    pass


@dataclass(frozen=True)
class GradeScale:
    """Grades from best to worst and what each becomes when no backorder takes it."""

    grades: tuple[str, ...] = ("A", "B", "C", "D", "F")
    dispositions: Mapping[str, str] = field(
        default_factory=lambda: {
            "A": "restock",
            "B": "restock_open_box",
            "C": "send_to_dc",
            "D": "refurbish",
            "F": "liquidate",
        }
    )
    keys: Mapping[str, str] = field(default_factory=dict)
    checklist_caps: Mapping[str, str] = field(default_factory=dict)

    def rank(self, grade: str) -> int:
        """0 for the best grade; larger is worse."""
        try:
            return self.grades.index(grade)
        except ValueError:
            raise GradeError(
                f"unknown grade {grade!r}; the scale is {'/'.join(self.grades)}"
            ) from None

    def normalize(self, grade: str) -> str:
        g = grade.strip().upper()
        if g in self.grades:
            return g
        if grade.strip() in self.keys:
            return self.keys[grade.strip()]
        raise GradeError(f"unknown grade {grade!r}; the scale is {'/'.join(self.grades)}")

    def grade_for_key(self, key: str) -> str | None:
        """The grade a single keystroke means, or None."""
        if key.upper() in self.grades:
            return key.upper()
        return self.keys.get(key)

    def meets(self, grade: str, minimum: str) -> bool:
        """True when ``grade`` is at least as good as ``minimum``."""
        return self.rank(grade) <= self.rank(minimum)

    def disposition(self, grade: str) -> str:
        return self.dispositions[self.normalize(grade)]

    def cap_by_checklist(self, grade: str, answers: Mapping[str, bool]) -> str:
        """The grade lowered to what the checklist allows: a 'no' caps it."""
        worst = self.rank(grade)
        for item, ok in answers.items():
            cap = self.checklist_caps.get(item)
            if not ok and cap is not None:
                worst = max(worst, self.rank(cap))
        return self.grades[worst]

    def implied_grade(self, answers: Mapping[str, bool]) -> str:
        """The best grade a checklist alone allows (all 'yes' means the best grade)."""
        return self.cap_by_checklist(self.grades[0], answers)


def scale_from(
    grades: Sequence[str],
    dispositions: Mapping[str, str],
    keys: Mapping[str, str],
    caps: Mapping[str, str],
) -> GradeScale:
    return GradeScale(tuple(grades), dict(dispositions), dict(keys), dict(caps))
