from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from repatria.law.question import Question
from repatria.law.requirements import AllOf, AnyOf, Finding, Outcome, Verdict

QUESTION = Question.ask("NG", "GB", "records", on="2024-01-01")


@dataclass(frozen=True)
class Fixed:
    outcome: Outcome

    def check(self, question: Question) -> Verdict:
        return Verdict.of(Finding(self.outcome, f"fixed {self.outcome.value}", "Art. 1"))


def test_an_empty_rule_set_never_passes() -> None:
    for combination in (AllOf(()), AnyOf(())):
        verdict = combination.check(QUESTION)
        assert verdict.outcome is Outcome.NOT_MET
        assert "empty rule set" in verdict.findings[0].reason


def test_all_of_is_as_weak_as_its_weakest_requirement() -> None:
    verdict = AllOf((Fixed(Outcome.MET), Fixed(Outcome.UNCERTAIN))).check(QUESTION)
    assert verdict.outcome is Outcome.UNCERTAIN
    assert len(verdict.findings) == 2
    assert AllOf((Fixed(Outcome.MET), Fixed(Outcome.NOT_MET))).check(QUESTION).outcome is (
        Outcome.NOT_MET
    )


def test_any_of_keeps_only_the_findings_of_the_best_alternatives() -> None:
    verdict = AnyOf((Fixed(Outcome.NOT_MET), Fixed(Outcome.MET))).check(QUESTION)
    assert verdict.outcome is Outcome.MET
    assert [f.reason for f in verdict.findings] == ["fixed met"]


outcomes = st.lists(st.sampled_from(list(Outcome)), min_size=1, max_size=6)


@given(outcomes)
def test_combinators_agree_with_min_and_max_of_levels(values: list[Outcome]) -> None:
    rules = tuple(Fixed(v) for v in values)
    assert AllOf(rules).check(QUESTION).outcome.level == min(v.level for v in values)
    assert AnyOf(rules).check(QUESTION).outcome.level == max(v.level for v in values)
