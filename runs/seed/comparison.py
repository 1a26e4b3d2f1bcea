"""Write the seed comparison of the README from a report of the seed sweep.

    phasefield sweep runs/seed/sweep.yaml
    phasefield report runs/seed/sweep.yaml --out out/seed/report
    python runs/seed/comparison.py out/seed/report/report.csv

copies the report's rows to docs/howto/seed_report.csv and replaces the table between the
README's ``<!-- comparison:begin -->`` and ``<!-- comparison:end -->`` with the comparison made
from them (:func:`phasefield.models.al_mg.comparison.comparison_markdown`: every observation of
materials/observations/xu2021.yaml, the model's value and its role, fit targets never ticked).
tests/test_report.py checks that the README's table is the one these rows give.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from phasefield.models.al_mg.comparison import compare, comparison_markdown
from phasefield.models.al_mg.report import protocol_of, read_rows

ROOT = Path(__file__).resolve().parents[2]
ROWS = ROOT / "docs" / "howto" / "seed_report.csv"
README = ROOT / "README.md"
BEGIN, END = "<!-- comparison:begin -->", "<!-- comparison:end -->"


def readme_table(rows_csv: Path = ROWS) -> str:
    """The comparison the rows of ``rows_csv`` give, as the README shows it."""
    rows = read_rows(rows_csv)
    observations, targets = protocol_of(rows)
    if observations is None:
        raise SystemExit(f"{rows_csv}: the rows' material names no observation file")
    return comparison_markdown(compare(rows, observations, targets))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_csv", type=Path, help="report.csv of the seed sweep's report")
    args = parser.parse_args()
    shutil.copyfile(args.report_csv, ROWS)
    text = README.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n\n{readme_table()}\n{END}{tail}")
    print(f"wrote {ROWS} and the comparison in {README}")


if __name__ == "__main__":
    main()
