"""Print the count tables of the labelled corpus's data card (Markdown).

python scripts/corpus_stats.py [corpora/labelled]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from pipeline.classify.corpus import load_corpus, split_by_source
from pipeline.taxonomy import load_taxonomy


def table(title: str, counts: Counter, total: int) -> str:
    rows = [f"| {key} | {value} | {value / total:.0%} |" for key, value in counts.most_common()]
    return "\n".join([f"| {title} | records | share |", "| --- | --- | --- |", *rows])


def main(path: Path) -> None:
    records = load_corpus([path], labels=load_taxonomy().labels)
    total = len(records)
    train, test = split_by_source(records)
    print(
        f"Records: {total}; source documents: {len({r.source for r in records})}; "
        f"training split {len(train)}, held-out split {len(test)} "
        f"({len({r.source for r in test})} documents).\n"
    )
    print(table("label", Counter(label for r in records for label in r.labels), total), "\n")
    print(table("language", Counter(r.lang for r in records), total), "\n")
    print(table("kind", Counter(r.kind for r in records), total), "\n")
    print(table("document type", Counter(r.doc_type for r in records), total), "\n")
    multi = sum(len(r.labels) > 1 for r in records)
    priorities = sum(r.is_priority for r in records)
    print(
        f"Two or more themes: {multi} ({multi / total:.0%}). Priorities: {priorities} "
        f"({priorities / total:.0%}); list items with a lead-in: "
        f"{sum(bool(r.lead_in) for r in records if r.kind == 'list_item')}."
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("corpora/labelled"))
