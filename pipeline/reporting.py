"""Terminal summaries (rich tables) for the CLI; nothing here computes a figure."""

from __future__ import annotations


def print_evaluation(metrics: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Held-out evaluation")
    for column in ("slice", "n", "macro-F1 themes", "micro-F1", "priority F1", "ECE"):
        table.add_column(column)
    slices = [("all", metrics)]
    slices += [(f"lang={k}", v) for k, v in metrics["per_language"].items()]
    slices += [(f"kind={k}", v) for k, v in metrics["per_kind"].items()]
    for name, s in slices:
        table.add_row(
            name,
            str(s["n"]),
            f"{s['macro_f1_themes']:.3f}",
            f"{s['micro_f1_themes']:.3f}",
            f"{s['priority']['f1']:.3f}",
            f"{s['ece_labels']:.3f}",
        )
    console.print(table)
    labels = Table(title="Per label")
    for column in ("label", "precision", "recall", "F1", "support", "ECE"):
        labels.add_column(column)
    for label, s in metrics["per_label"].items():
        labels.add_row(
            label,
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            str(s["support"]),
            f"{metrics['ece_per_label'][label]:.3f}",
        )
    console.print(labels)
    console.print(
        f"Brier (labels) {metrics['brier_labels']:.4f}; worst errors and the "
        f"reliability diagram are in {metrics.get('output', 'the output folder')}."
    )


def print_run_summary(summary: dict, out) -> None:
    """The one screen a person reads after a run: what came in, what came out, what failed."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{summary['documents']}[/] documents, [bold]{summary['paragraphs']}[/] "
        f"paragraphs ({summary['priority_paragraphs']} stating priorities, "
        f"{summary['needs_review']} to review), [bold]{summary['errors']}[/] errors; "
        f"model {summary['model']}"
    )
    table = Table(title="Per theme")
    table.add_column("theme")
    table.add_column("paragraphs", justify="right")
    table.add_column("priorities", justify="right")
    for theme, count in summary["priorities_per_theme"].items():
        table.add_row(theme, str(summary["paragraphs_per_theme"].get(theme, 0)), str(count))
    console.print(table)
    if summary["errors"]:
        reasons = ", ".join(f"{k}: {v}" for k, v in summary["errors_by_reason"].items())
        console.print(f"Errors by reason: {reasons} (see errors.csv)")
    console.print(f"Outputs in {out}/")
