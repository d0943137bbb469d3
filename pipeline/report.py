"""Report: a run folder's outputs -> `report.html`, one self-contained page with charts.

Reads what `run_pipeline` wrote (paragraphs.csv, priorities.csv, errors.csv, run_summary.json)
and, when it can find it, the model folder (model.json, metrics.json). The page needs no
network: charts are inline SVG drawn by matplotlib, styles are inline, links to sources are
plain text. Every piece of text from the run is HTML-escaped, because submissions are untrusted.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.export import read_csv_rows, write_text_atomic

REPORT_FILE = "report.html"
DEFAULT_BAND = (0.35, 0.75)
HEATMAP_DOCUMENTS = 40
UNKNOWN = "unknown"
SVG_SALT = "untoc-report"
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;white-space:nowrap}
.bar{background:#eee;width:90px;height:.8em;display:inline-block;vertical-align:middle}
.bar span{background:#3b6ea5;height:100%;display:block}
.conf{white-space:nowrap}.muted{color:#666}.chart svg{max-width:100%;height:auto}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}
tr,.chart{break-inside:avoid}.bar span{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


# --- reading the run -------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows, or none when the run did not write it (a report should still render)."""
    return read_csv_rows(path) if path.is_file() else []


def csv_columns(path: Path) -> list[str]:
    """The header of a CSV, so an empty run still knows its label columns."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def find_model_dir(summary: Mapping[str, object], model_dir: Path | None) -> Path | None:
    """The model folder given, else `models/<name>` of the model the run names, if present."""
    if model_dir is not None:
        return model_dir
    from pipeline.taxonomy import PROJECT_ROOT

    name = str(summary.get("model") or "")
    candidate = PROJECT_ROOT / "models" / name
    return candidate if name and (candidate / "model.json").is_file() else None


def labels_of(paragraph_columns: Sequence[str]) -> list[str]:
    """The model's labels, in its order, from the `p_<label>` columns of paragraphs.csv."""
    return [c[2:] for c in paragraph_columns if c.startswith("p_") and c != "p_priority"]


def split_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def to_float(value: str, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def theme_counts(paragraphs: Sequence[Mapping[str, str]], labels: Sequence[str]) -> dict[str, int]:
    counts = Counter(t for row in paragraphs for t in split_list(row.get("themes", "")))
    return {label: counts.get(label, 0) for label in labels}


def stakeholder_counts(priorities: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """Priorities raised per stakeholder type (one priority may be raised by several types)."""
    counts = Counter(
        kind
        for row in priorities
        for kind in (split_list(row.get("stakeholder_types", "")) or [UNKNOWN])
    )
    return dict(sorted(counts.items()))


def theme_shares(
    paragraphs: Sequence[Mapping[str, str]], labels: Sequence[str]
) -> tuple[list[str], list[list[float]]]:
    """Documents x labels: the share of each document's paragraphs that carry each label."""
    by_doc: dict[str, list[Mapping[str, str]]] = {}
    for row in paragraphs:
        by_doc.setdefault(row.get("source_file", ""), []).append(row)
    documents = sorted(by_doc)
    shares = [
        [
            sum(label in split_list(r.get("themes", "")) for r in by_doc[doc]) / len(by_doc[doc])
            for label in labels
        ]
        for doc in documents
    ]
    return documents, shares


def busiest_documents(
    documents: Sequence[str],
    shares: Sequence[Sequence[float]],
    labels: Sequence[str],
    limit: int = HEATMAP_DOCUMENTS,
) -> tuple[list[str], list[list[float]]]:
    """At most `limit` documents, those with the largest share of themed paragraphs (then by
    name), in name order: a heatmap of a thousand rows is unreadable and slow to draw."""
    if len(documents) <= limit:
        return list(documents), [list(row) for row in shares]
    themed = [k for k, label in enumerate(labels) if label != "none"]
    weight = {doc: -sum(row[k] for k in themed) for doc, row in zip(documents, shares, strict=True)}
    kept = set(sorted(documents, key=lambda doc: (weight[doc], doc))[:limit])
    pairs = [(doc, list(row)) for doc, row in zip(documents, shares, strict=True) if doc in kept]
    return [doc for doc, _ in pairs], [row for _, row in pairs]


def review_band(spec: Mapping[str, object]) -> tuple[float, float]:
    low, high = DEFAULT_BAND
    return float(spec.get("review_low", low)), float(spec.get("review_high", high))


def headline_metrics(metrics: Mapping[str, object]) -> dict[str, float]:
    """The three figures a reader checks first; the rest is in the model card."""
    test = metrics.get("test") or {}
    found = {
        "macro-F1 (themes)": test.get("macro_f1_themes"),
        "priority F1": (test.get("priority") or {}).get("f1"),
        "ECE (labels)": test.get("ece_labels"),
    }
    return {name: float(value) for name, value in found.items() if value is not None}


# --- charts ----------------------------------------------------------------------------------


def _figure(width: float, height: float):
    """A figure outside pyplot: no backend switch and no global state, so a notebook that
    calls `write_report` keeps its own inline plots (headless like Agg, but side-effect free)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.subplots()


def svg_of(fig) -> str:
    """The figure as inline SVG: no date and a fixed hash salt, so reruns give the same bytes."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DTD: not valid inside HTML


def _no_data(ax) -> None:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")


def bar_chart(counts: Mapping[str, int], *, title: str, xlabel: str) -> str:
    fig, ax = _figure(7, 0.4 * max(len(counts), 3) + 1)
    names = list(counts)[::-1]
    ax.barh(names, [counts[n] for n in names], color="#3b6ea5")
    for y, name in enumerate(names):
        ax.text(counts[name], y, f" {counts[name]}", va="center", fontsize=8)
    if not counts:
        _no_data(ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return svg_of(fig)


def heatmap_chart(
    documents: Sequence[str], labels: Sequence[str], shares, *, title: str = "Themes by document"
) -> str:
    fig, ax = _figure(8, 0.35 * max(len(documents), 4) + 2)
    if documents:
        image = ax.imshow(shares, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(documents)), [_short(d) for d in documents], fontsize=8)
        fig.colorbar(image, ax=ax, label="share of paragraphs")
    else:
        _no_data(ax)
    ax.set_title(title)
    fig.tight_layout()
    return svg_of(fig)


def _short(name: str, limit: int = 45) -> str:
    return name if len(name) <= limit else "…" + name[-(limit - 1) :]


def confidence_histogram(confidences: Sequence[float], band: tuple[float, float]) -> str:
    fig, ax = _figure(7, 3.2)
    ax.axvspan(*band, color="#f0b429", alpha=0.3, label=f"review band {band[0]:.2f}-{band[1]:.2f}")
    ax.hist(confidences, bins=20, range=(0.0, 1.0), color="#3b6ea5")
    if not confidences:
        _no_data(ax)
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence of the top label")
    ax.set_ylabel("paragraphs")
    ax.set_title("Confidence distribution")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return svg_of(fig)


# --- HTML ------------------------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def table_html(columns: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str) -> str:
    """A table of already-escaped cells; the header is escaped here."""
    if not rows:
        return f'<p class="muted">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def confidence_bar(value: str) -> str:
    share = min(max(to_float(value), 0.0), 1.0)
    return (
        f'<span class="conf"><span class="bar"><span style="width:{share * 100:.0f}%">'
        f"</span></span> {share:.2f}</span>"
    )


def priorities_html(priorities: Sequence[Mapping[str, str]], labels: Sequence[str]) -> str:
    """One ranked table per theme, in the model's label order, then any theme it did not know."""
    themes = [t for t in labels if t != "none"]
    themes += sorted({r.get("theme", "") for r in priorities} - set(themes))
    sections = []
    for theme in themes:
        rows = sorted(
            (r for r in priorities if r.get("theme") == theme),
            key=lambda r: to_float(r.get("rank", ""), 1e9),
        )
        cells = [
            [
                f'<span class="num">{esc(r.get("rank", ""))}</span>',
                esc(r.get("text", "")),
                confidence_bar(r.get("confidence", "")),
                f'<span class="num">{esc(r.get("support", ""))}</span>',
                esc(r.get("sources", "")),
                esc(r.get("stakeholder_types", "")),
            ]
            for r in rows
        ]
        table = table_html(
            ("rank", "priority", "confidence", "support", "sources", "stakeholders"),
            cells,
            empty="No priority was found for this theme.",
        )
        sections.append(f"<h3>{esc(theme)}</h3>{table}")
    return "".join(sections)


def errors_html(errors: Sequence[Mapping[str, str]]) -> str:
    cells = [[esc(e.get(c, "")) for c in ("source_file", "reason", "detail")] for e in errors]
    return table_html(
        ("file", "reason", "detail"), cells, empty="Every file was processed without error."
    )


def facts_html(facts: Mapping[str, object]) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items())
    return f'<dl class="facts">{items}</dl>'


def run_facts(summary: Mapping[str, object], paragraphs, priorities, errors) -> dict[str, object]:
    return {
        "input": summary.get("input", ""),
        "started": summary.get("started", ""),
        "documents": summary.get("documents", len({p.get("source_file") for p in paragraphs})),
        "paragraphs": summary.get("paragraphs", len(paragraphs)),
        "needing review": summary.get(
            "needs_review", sum(p.get("needs_review") == "true" for p in paragraphs)
        ),
        "priorities": len(priorities),
        "files with errors": len(errors),
    }


def model_facts(
    summary: Mapping[str, object], spec: Mapping[str, object], metrics: Mapping[str, object]
) -> dict[str, object]:
    facts: dict[str, object] = {
        "model": spec.get("name") or summary.get("model") or UNKNOWN,
        "architecture": spec.get("arch") or summary.get("model_arch") or UNKNOWN,
    }
    facts.update({name: f"{value:.3f}" for name, value in headline_metrics(metrics).items()})
    if not metrics:
        facts["held-out metrics"] = "not available (metrics.json not found)"
    return facts


def render_report(
    *,
    summary: Mapping[str, object],
    paragraphs: Sequence[Mapping[str, str]],
    priorities: Sequence[Mapping[str, str]],
    errors: Sequence[Mapping[str, str]],
    labels: Sequence[str],
    spec: Mapping[str, object],
    metrics: Mapping[str, object],
) -> str:
    """The whole page as a string; pure, so tests can render without touching disk."""
    band = review_band(spec)
    all_documents, all_shares = theme_shares(paragraphs, labels)
    documents, shares = busiest_documents(all_documents, all_shares, labels)
    heatmap_title = "Themes by document"
    if len(documents) < len(all_documents):
        heatmap_title += f" ({len(documents)} of {len(all_documents)}, the most themed)"
    confidences = [to_float(p.get("confidence", "")) for p in paragraphs]
    charts = {
        "Paragraphs per theme": bar_chart(
            theme_counts(paragraphs, labels), title="Paragraphs per theme", xlabel="paragraphs"
        ),
        "Priorities per stakeholder type": bar_chart(
            stakeholder_counts(priorities),
            title="Priorities per stakeholder type",
            xlabel="priorities",
        ),
        "Themes by document": heatmap_chart(documents, labels, shares, title=heatmap_title),
        "Confidence": confidence_histogram(confidences, band),
    }
    chart_html = "".join(
        f'<h2>{esc(name)}</h2><div class="chart">{svg}</div>' for name, svg in charts.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>UNTOC submissions: run report</title><style>{CSS}</style></head><body>"
        "<h1>UNTOC submissions: run report</h1>"
        f"<h2>Run</h2>{facts_html(run_facts(summary, paragraphs, priorities, errors))}"
        f"<h2>Model</h2>{facts_html(model_facts(summary, spec, metrics))}"
        f"{chart_html}"
        '<h2>Priorities by theme</h2><p class="muted">Sources are paths relative to the input '
        "folder; support is the number of submissions that raise the priority.</p>"
        f"{priorities_html(priorities, labels)}"
        f"<h2>Errors</h2>{errors_html(errors)}"
        "</body></html>\n"
    )


def write_report(run_dir: Path, *, model_dir: Path | None = None) -> Path:
    """Write `report.html` into a run folder from the files the run left there."""
    paragraph_path = run_dir / "paragraphs.csv"
    paragraphs = read_rows(paragraph_path)
    columns = csv_columns(paragraph_path)
    summary = read_json(run_dir / "run_summary.json")
    found_model = find_model_dir(summary, model_dir)
    spec = read_json(found_model / "model.json") if found_model else {}
    labels = list(spec.get("labels") or labels_of(columns))
    page = render_report(
        summary=summary,
        paragraphs=paragraphs,
        priorities=read_rows(run_dir / "priorities.csv"),
        errors=read_rows(run_dir / "errors.csv"),
        labels=labels,
        spec=spec,
        metrics=read_json(found_model / "metrics.json") if found_model else {},
    )
    target = run_dir / REPORT_FILE
    write_text_atomic(target, page)
    return target
