"""Time the synthetic city: generate plus write_parquet in a child process, then print figures.

Usage: .venv/bin/python bench/synth.py [--scale 1.0] [--seed 1]

The child process only generates and writes, so its peak resident set size (the parent's
RUSAGE_CHILDREN ru_maxrss) is the cost of the generation. The parent then reads the parquet files
back and prints the calibration figures against their targets.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from minzheng.synth.generate import AS_OF, DIBAO_STANDARD_2025, generate, write_parquet

WALL_TARGET_SECONDS = 30.0
RSS_TARGET_MB = 4096.0
EDGE_LINE = 1.5 * DIBAO_STANDARD_2025
COUNTED_INCOME = (
    "income_wages",
    "income_business",
    "income_property",
    "income_pension",
    "income_support_received",
    "income_other_transfers",
)


def run_child(scale: float, seed: int, out_dir: Path) -> None:
    """Generate and write; print the seconds these took as JSON."""
    start = time.perf_counter()
    city = generate(scale=scale, seed=seed)
    generated = time.perf_counter()
    write_parquet(city, out_dir)
    written = time.perf_counter()
    print(json.dumps({"generate": generated - start, "write": written - generated}))


def figures(out_dir: Path) -> dict[str, float]:
    """Read the written frames and compute the calibration figures."""
    persons = pl.read_parquet(out_dir / "persons.parquet")
    households = pl.read_parquet(out_dir / "households.parquet")
    born = pl.col("birth_date")
    month_day = born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)
    age = AS_OF.year - born.dt.year() - (month_day > AS_OF.month * 100 + AS_OF.day).cast(pl.Int32)
    persons = persons.with_columns(age=age)
    income = persons.group_by("household_id").agg(
        per_capita=pl.sum_horizontal(COUNTED_INCOME).sum() / pl.len(), size=pl.len()
    )
    below = income.filter(pl.col("per_capita") < DIBAO_STANDARD_2025)["size"].sum()
    edge = income.filter(pl.col("per_capita").is_between(DIBAO_STANDARD_2025, EDGE_LINE, "left"))
    elderly_alone = persons.filter(pl.col("lives_alone") & (pl.col("age") >= 60)).height
    return {
        "persons": persons.height,
        "households": households.height,
        "mean_size": persons.height / households.height,
        "aged_60_plus": (persons["age"] >= 60).mean(),
        "aged_80_plus": (persons["age"] >= 80).mean(),
        "centenarians": int((persons["age"] >= 100).sum()),
        "minors": (persons["age"] < 18).mean(),
        "disability_certificate": persons["disability_category"].is_not_null().mean(),
        "serious_illness": persons["serious_illness"].mean(),
        "below_dibao": below / persons.height,
        "dibao_to_edge": edge["size"].sum() / persons.height,
        "elderly_alone_households": elderly_alone / households.height,
        "orphans": persons.filter(pl.col("parents") == "both_deceased_or_missing").height,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        run_child(arguments.scale, arguments.seed, arguments.child)
        return 0

    with tempfile.TemporaryDirectory(prefix="minzheng-synth-") as directory:
        out_dir = Path(directory)
        command = [sys.executable, __file__, "--scale", str(arguments.scale)]
        command += ["--seed", str(arguments.seed), "--child", str(out_dir)]
        start = time.perf_counter()
        child = subprocess.run(command, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        timing = json.loads(child.stdout.strip().splitlines()[-1])
        result = figures(out_dir)

    inside = timing["generate"] + timing["write"]
    rows = [
        ("generate + write_parquet", f"{inside:.2f} s", f"<= {WALL_TARGET_SECONDS:.0f} s"),
        ("  generate", f"{timing['generate']:.2f} s", ""),
        ("  write_parquet", f"{timing['write']:.2f} s", ""),
        ("child process wall", f"{wall:.2f} s", "with interpreter start and imports"),
        ("peak RSS of the child", f"{peak_mb:.0f} MB", f"<= {RSS_TARGET_MB:.0f} MB"),
        ("persons", f"{result['persons']:,}", "about 920,000 x scale"),
        ("households", f"{result['households']:,}", "about 360,000 x scale"),
        ("mean household size", f"{result['mean_size']:.3f}", "about 2.56"),
        ("aged 60+", f"{result['aged_60_plus']:.2%}", "about 30 %"),
        ("aged 80+", f"{result['aged_80_plus']:.2%}", "about 5 %"),
        ("aged 100+", f"{result['centenarians']:,}", "a few"),
        ("minors", f"{result['minors']:.2%}", ""),
        ("disability certificate", f"{result['disability_certificate']:.2%}", "about 5 %"),
        ("serious illness", f"{result['serious_illness']:.2%}", "about 1-2 %"),
        ("in households below 1208", f"{result['below_dibao']:.2%}", "about 0.5 %"),
        ("in households [1208, 1812)", f"{result['dibao_to_edge']:.2%}", "about 0.5 %"),
        ("elderly alone, of households", f"{result['elderly_alone_households']:.2%}", "1-2 %"),
        ("orphans", f"{result['orphans']:,}", "a few"),
    ]
    print(f"synthetic city, scale {arguments.scale}, seed {arguments.seed}")
    for label, value, target in rows:
        print(f"  {label:<30} {value:>10}   {target}".rstrip())
    within = inside <= WALL_TARGET_SECONDS and peak_mb <= RSS_TARGET_MB
    print("  speed and memory targets   " + ("met" if within else "MISSED"))
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
