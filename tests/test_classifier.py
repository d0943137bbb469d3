"""The shipped model: loading safely, predicting, evidence, context, and tamper checks."""

from __future__ import annotations

import json
import shutil

import pytest

import pipeline
from pipeline.classify.model import ModelSpec, assigned_labels, neighbour_features
from pipeline.classify.store import MODELS_DIR, load_model, resolve_model_dir
from pipeline.errors import ModelError
from pipeline.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def model():
    return pipeline.load_model()


def test_default_model_uses_the_taxonomy_labels(model):
    assert model.labels == load_taxonomy().labels


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        (
            "States should mark every firearm at import and keep records of transfers for at "
            "least twenty years so that weapons used in crime can be traced.",
            "firearms",
        ),
        (
            "Les victimes de la traite à des fins d'exploitation sexuelle ne doivent pas être "
            "poursuivies pour les infractions qu'elles ont été contraintes de commettre.",
            "trafficking_in_persons",
        ),
        (
            "Los coyotes cobran hasta diez mil dólares por cruzar a los migrantes por el Darién, "
            "y muchos quedan abandonados en la selva.",
            "smuggling_of_migrants",
        ),
        (
            "Illegal gold mining in the Amazon poisons rivers with mercury and finances armed "
            "groups that launder the proceeds through gold exporters.",
            "environmental_crime",
        ),
        (
            "Lunch will be served in the delegates' lounge on the second floor; interpretation "
            "booths open at 9.30.",
            "none",
        ),
    ],
)
def test_clear_paragraphs_get_their_theme(model, text, theme):
    prediction = model.predict([text])[0]
    assert theme in prediction.themes
    assert prediction.top_theme in prediction.themes


def test_probabilities_are_in_range_and_none_stands_alone(model):
    predictions = model.predict(
        ["We urge States to extradite traffickers.", "Thank you all for coming."]
    )
    for prediction in predictions:
        assert all(0.0 <= p <= 1.0 for p in prediction.probabilities.values())
        assert "none" not in prediction.themes or prediction.themes == ("none",)


def test_recommendation_is_a_priority_and_narrative_is_not(model):
    recommendation, narrative = model.predict(
        [
            "We recommend that States establish national referral mechanisms for victims of "
            "trafficking and fund shelters run by civil society.",
            "In 2023 the ministry opened two shelters for victims of trafficking in the capital.",
        ]
    )
    assert recommendation.is_priority and recommendation.p_priority > narrative.p_priority
    assert not narrative.is_priority


def test_lead_in_lends_a_terse_item_its_theme(model):
    item = "Diagnose local capacities to measure flows."
    alone = model.predict([item], kinds=["list_item"])[0]
    with_lead_in = model.predict(
        [item],
        kinds=["list_item"],
        lead_ins=["Participants identified the following priorities on illicit firearms:"],
    )[0]
    assert with_lead_in.probabilities["firearms"] > alone.probabilities["firearms"]


def test_evidence_names_words_of_the_text(model):
    text = "Ammunition and firearms must be marked and traced across borders."
    prediction = model.predict([text])[0]
    firearms = [e for e in prediction.evidence if e.startswith("firearms:")]
    assert firearms
    terms = firearms[0].split(":", 1)[1].split(",")
    assert all(t.strip().split()[0].lower() in text.lower() for t in terms if "(context)" not in t)


def test_tampered_model_file_is_refused(tmp_path):
    source = resolve_model_dir(MODELS_DIR / "DEFAULT")
    copy = tmp_path / "copy"
    shutil.copytree(source, copy)
    with (copy / "model.skops").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(copy)


def test_missing_model_gives_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="untoc train"):
        load_model(tmp_path)


def test_metrics_file_matches_the_model(model):
    directory = resolve_model_dir(MODELS_DIR / "DEFAULT")
    metrics = json.loads((directory / "metrics.json").read_text())
    assert metrics["thresholds"] == model.spec.thresholds
    assert metrics["data"]["test"] > 0


def test_assigned_labels_fall_back_to_none():
    spec = ModelSpec(
        name="t",
        arch="t",
        labels=("a", "b", "none"),
        none_label="none",
        thresholds={"a": 0.5, "b": 0.5, "none": 0.5},
        priority_threshold=0.5,
    )
    assert assigned_labels([0.9, 0.6, 0.2], spec) == ("a", "b")
    assert assigned_labels([0.1, 0.2, 0.1], spec) == ("none",)


def test_neighbour_features_use_the_document_mean_at_the_edges():
    import numpy as np

    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
    features = neighbour_features(p, ["d", "d", "e"], ["", "", ""])
    assert features.shape == (3, 10)
    logit = np.log(p / (1 - p))
    assert np.allclose(
        features[0, 2:4],
        logit[[0, 1]].mean(axis=0) * 0
        + np.log(p[[0, 1]].mean(axis=0) / (1 - p[[0, 1]].mean(axis=0))),
    )
    assert np.allclose(features[1, 2:4], logit[0])
    assert np.allclose(features[2, :2], features[2, 2:4])


def test_a_heading_reads_the_section_it_announces_when_texts_are_given():
    import numpy as np

    p = np.array([[0.5, 0.5], [0.1, 0.9], [0.9, 0.1], [0.8, 0.2]])
    groups = ["d"] * 4
    texts = ["Intro", "Arms", "Marking of guns.", "Tracing requests."]
    sections = ["", "", "Arms", "Arms"]
    kinds = ["paragraph", "heading", "paragraph", "paragraph"]
    plain = neighbour_features(p, groups, sections, kinds)
    announced = neighbour_features(p, groups, sections, kinds, texts)
    mean = p[[2, 3]].mean(axis=0)
    assert np.allclose(announced[1, 8:10], np.log(mean / (1 - mean)))
    assert not np.allclose(plain[1, 8:10], announced[1, 8:10])
    assert np.allclose(np.delete(plain, 1, axis=0), np.delete(announced, 1, axis=0))


def test_highest_per_row_takes_each_rows_best_sentence_and_keeps_rows_without_any():
    import numpy as np

    from pipeline.classify.model import highest_per_row

    scores = np.array([[0.0, -1.0], [2.0, -3.0], [1.0, 1.0]])
    parts = np.array([[-2.0, 0.5], [1.0, -4.0], [3.0, -5.0]])
    owners = np.array([0, 1, 1])
    result = highest_per_row(scores, parts, owners)
    assert result.tolist() == [[0.0, 0.5], [3.0, -3.0], [1.0, 1.0]]
    assert scores.tolist() == [[0.0, -1.0], [2.0, -3.0], [1.0, 1.0]]
    assert highest_per_row(scores, parts[:0], owners[:0]).tolist() == scores.tolist()


def test_sentence_inputs_split_only_paragraphs_of_several_sentences_and_keep_their_context():
    from pipeline.classify.features import model_inputs, sentence_inputs

    texts = [
        "Seizures rose in 2023. We urge States to trace every seized pistol.",
        "Trace every seized pistol. Share the records.",
        "One sentence only.",
    ]
    kinds = ["paragraph", "list_item", "paragraph"]
    headings = ["Firearms", "", ""]
    rows = model_inputs(texts, kinds=kinds, headings=headings, cues={"firearms": ["pistol"]})
    parts, owners = sentence_inputs(texts, kinds, rows, {"firearms": ["pistol"]})
    assert owners.tolist() == [0, 0]
    assert parts[1, 0].endswith("We urge States to trace every seized pistol.")
    assert parts[0, 1] == parts[1, 1] == "Firearms"
    assert parts[0, 2] == "nocue"
    assert parts[1, 2] == "cuefirearms"


def test_a_paragraph_with_one_ask_in_it_reads_as_an_ask_in_a_document(model):
    background = (
        "The survey covered forty ports and nine customs administrations between 2021 and "
        "2023. Most respondents described long delays in exchanging records with their "
        "neighbours, and several noted that container scanners are often out of service. "
        "Seizures of pistol parts in postal parcels doubled over the period. "
    )
    ask = "We therefore urge States to make tracing requests mandatory for every seizure."
    predictions = model.predict(
        [background + ask, background.strip()],
        kinds=["paragraph", "paragraph"],
        groups=["a", "b"],
    )
    assert predictions[0].is_priority
    assert not predictions[1].is_priority


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        ("Illicit firearms and ammunition", ["firearms"]),
        ("armas de fuego y municiones", ["firearms"]),
        ("Les armes à feu et le blanchiment d'argent", ["convention", "firearms"]),
        ("Tráfico ilícito de migrantes por el Darién", ["smuggling_of_migrants"]),
        ("ORPAILLAGE ILLÉGAL et mercure", ["environmental_crime"]),
        ("Lunch will be served at noon.", []),
    ],
)
def test_cues_find_themes_in_any_language(text, themes):
    from pipeline.classify.features import cue_themes

    assert cue_themes(text, load_taxonomy().cues) == themes


def test_trie_pattern_matches_exactly_the_words_given():
    import re

    from pipeline.classify.features import trie_pattern

    words = ["arm", "arms", "armas de fuego", "gun", "gang"]
    pattern = re.compile(r"\b(?:" + trie_pattern(words) + ")")
    assert [m.group(0) for m in pattern.finditer("armas de fuego, arms, a gun, gangs, g")] == [
        "armas de fuego",
        "arms",
        "gun",
        "gang",
    ]


def test_text_alone_is_judged_by_the_text_stage_thresholds(model):
    """Without document context (`untoc classify` on a flat file) the neighbour stage does not
    run, so the text stage's own thresholds apply, for priority as for themes."""
    from dataclasses import replace

    from pipeline.classify.model import ThemeModel

    strict = ThemeModel(model.parts, replace(model.spec, base_priority_threshold=0.999))
    text = ["We urge States to fund shelters for victims of trafficking."]
    alone = strict.predict(text)[0]
    in_document = strict.predict(text, groups=["d"])[0]
    assert not alone.is_priority
    assert in_document.is_priority == (in_document.p_priority >= model.spec.priority_threshold)


def test_nb_scaled_heads_fold_the_scaling_into_their_weights():
    """A label head trained on NB-scaled features scores raw features as that regression scores
    the scaled ones; the priority head (last column) is left unscaled with its own C."""
    import numpy as np
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from pipeline.classify.train import TrainConfig, fit_linear_heads, nb_ratios

    rng = np.random.default_rng(0)
    features = sparse.random(60, 12, density=0.4, random_state=1, format="csr")
    targets = np.column_stack([rng.integers(0, 2, 60), rng.integers(0, 2, 60)])
    config = TrainConfig(c=16.0, priority_c=2.0)
    label_head, priority_head = fit_linear_heads(features, targets, config)

    ratios = nb_ratios(features, targets[:, 0])
    scaled = features.multiply(ratios).tocsr()
    reference = LogisticRegression(C=16.0, solver="liblinear", max_iter=3000, random_state=0)
    reference.fit(scaled, targets[:, 0])
    assert np.allclose(label_head.decision_function(features), reference.decision_function(scaled))
    assert priority_head.C == 2.0
    plain = LogisticRegression(C=2.0, solver="liblinear", max_iter=3000, random_state=0)
    assert np.allclose(priority_head.coef_, plain.fit(features, targets[:, 1]).coef_)
