"""The spaCy comparison model: inputs, shapes, a faithful save/load, and a sense of theme."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.classify.build import load_labelled
from pipeline.classify.corpus import LabelledText, split_by_source
from pipeline.classify.spacy_textcat import (
    SPEC_FILE,
    SpacyConfig,
    SpacyThemeModel,
    spacy_text,
    train_spacy_textcat,
    validation_split,
)
from pipeline.errors import ModelError
from pipeline.taxonomy import load_taxonomy

FIREARMS = (
    "States should mark every firearm and its ammunition at import and keep records of "
    "transfers so that illicit weapons can be traced."
)
UNRELATED = "Lunch will be served in the delegates' lounge; interpretation booths open at 9.30."
CONFIG_KEYS = ("use_context", "mark_context", "lowercase")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"heading": "Firearms"}, "xxpara xxstart ban arms."),
        (
            {"kind": "list_item", "lead_in": "We ask:", "use_context": True},
            "xxitem xxstart ban arms. || we ask:",
        ),
        (
            {"heading": "Firearms", "use_context": True, "lowercase": False},
            "xxpara xxstart Ban arms. || Firearms",
        ),
        (
            {"lead_in": "We ask:", "heading": "Arms", "use_context": True, "mark_context": True},
            "xxpara xxstart ban arms. || ctx_we ctx_ask: ctx_arms",
        ),
    ],
)
def test_model_text_marks_kind_and_separates_context(kwargs, expected):
    options = {k: kwargs.pop(k) for k in CONFIG_KEYS if k in kwargs}
    assert spacy_text("Ban arms.", config=SpacyConfig(**options), **kwargs) == expected


def _record(source: str, index: int) -> LabelledText:
    return LabelledText(
        id=f"{source}-{index}",
        text="t",
        lang="en",
        labels=("none",),
        is_priority=False,
        source=source,
        kind="paragraph",
    )


def test_validation_split_keeps_each_source_on_one_side():
    records = [_record(f"doc{d}", i) for d in range(10) for i in range(3)]
    fit, hold = validation_split(records, share=0.2, seed=0)
    assert len({r.source for r in hold}) == 2
    assert not {r.source for r in fit} & {r.source for r in hold}
    assert validation_split(records, share=0.2, seed=0) == (fit, hold)


@pytest.fixture(scope="module")
def small_model() -> tuple[SpacyThemeModel, list[LabelledText]]:
    taxonomy = load_taxonomy()
    train, test = split_by_source(load_labelled())
    model = train_spacy_textcat(
        train[:400],
        labels=taxonomy.labels,
        none_label=taxonomy.none_label,
        config=SpacyConfig(epochs=4, refit=False),
    )
    return model, test[:60]


@pytest.mark.slow
def test_probabilities_have_one_column_per_label_and_lie_in_0_1(small_model):
    model, test = small_model
    p_labels, p_priority = model.probabilities(test)
    assert p_labels.shape == (len(test), len(model.labels))
    assert p_priority.shape == (len(test),)
    assert ((p_labels >= 0) & (p_labels <= 1)).all()
    assert ((p_priority >= 0) & (p_priority <= 1)).all()


@pytest.mark.slow
def test_save_and_load_give_identical_probabilities(small_model, tmp_path):
    model, test = small_model
    loaded = SpacyThemeModel.load(model.save(tmp_path / "spacy"))
    for before, after in zip(model.probabilities(test), loaded.probabilities(test), strict=True):
        np.testing.assert_array_equal(before, after)
    assert loaded.spec == model.spec


@pytest.mark.slow
def test_load_refuses_changed_weights(small_model, tmp_path):
    model, _ = small_model
    folder = model.save(tmp_path / "spacy")
    weights = folder / "nlp" / "textcat_multilabel" / "model"
    weights.write_bytes(weights.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="SHA-256"):
        SpacyThemeModel.load(folder)
    assert "weights_sha256" in json.loads((folder / SPEC_FILE).read_text())


@pytest.mark.slow
def test_firearms_sentence_scores_higher_on_firearms_than_unrelated_one(small_model):
    model, _ = small_model
    p_labels, _ = model.probabilities([FIREARMS, UNRELATED])
    firearms = model.labels.index("firearms")
    assert p_labels[0, firearms] > p_labels[1, firearms]
    assert len(model.predict([FIREARMS])) == 1


@pytest.mark.slow
def test_same_seed_trains_the_same_model():
    taxonomy = load_taxonomy()
    train, _ = split_by_source(load_labelled())
    config = SpacyConfig(epochs=2, refit=False)
    first, second = (
        train_spacy_textcat(train[:150], labels=taxonomy.labels, config=config) for _ in range(2)
    )
    texts = [FIREARMS, UNRELATED]
    np.testing.assert_array_equal(first.probabilities(texts)[0], second.probabilities(texts)[0])
    assert first.spec.thresholds == second.spec.thresholds
