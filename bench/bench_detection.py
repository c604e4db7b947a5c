"""Detection quality: repatria's features + LightGBM beside IBM's GFP + LightGBM.

Both pipelines see the same canonical CSV and the same temporal 60/20/20 split (train,
threshold and early stopping on validation, figures on test), on two datasets:

* AMLSim dataset A (``/work/shared/data/aml/amlsim-10k-a``, 199,374 transfers, 699 laundering);
* our generator's data (``bench/generator.py``), which plants every typology.

The peer runs in its own venv (``bench/peer/setup.sh``; snapml is proprietary and never a
repatria dependency), in GFP's paper configuration (all patterns, cycles up to length 10,
7-day windows, batches of 2048), with the amount as raw feature beside GFP's, and trains with
exactly our LightGBM settings (``ModelSettings``: same rounds, early stopping, learning rate,
leaves, positive weight, threads, seed). For context only, the AMLworld paper reports minority-class F1 on
HI-Small of 62.86 for GFP+LightGBM and 68.16 for Multi-PNA+EU (Altman et al. 2023, table 3;
Blanusa et al. 2024): different data, so not comparable with the rows printed here.

``python bench/bench_detection.py [--transactions 300000] [--skip-peer]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generator
from repatria.tracing.scoring import ModelSettings, train

AMLSIM = Path("/work/shared/data/aml/amlsim-10k-a/transactions.csv.gz")
PEER = HERE / ".peer-venv" / "bin" / "python"
RESULTS = HERE / "results"


def lightgbm_budget(settings: ModelSettings) -> dict[str, object]:
    """Our LightGBM settings, handed to the peer so both train with the same budget."""
    return settings.lightgbm_params() | {
        "max_rounds": settings.max_rounds,
        "early_stopping_rounds": settings.early_stopping_rounds,
    }


def run_peer(path: Path, settings: ModelSettings) -> dict[str, object]:
    if not PEER.exists():
        return {"error": f"peer venv missing: run {HERE / 'peer' / 'setup.sh'}"}
    budget = json.dumps(lightgbm_budget(settings))
    proc = subprocess.run(
        [
            str(PEER),
            str(HERE / "peer" / "gfp_run.py"),
            "detect",
            str(path),
            "--threads",
            str(settings.num_threads),
            "--lightgbm",
            budget,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_ours(path: Path, model: Path, settings: ModelSettings) -> dict[str, object]:
    started = time.perf_counter()
    report = train(path, model, settings=settings)
    return {
        "seconds": time.perf_counter() - started,
        "trees": report.trees,
        "features": len(report.features),
        "threshold": report.threshold,
        "test": report.test.to_dict(),
        "validation": report.validation.to_dict(),
        "recall_per_pattern": {
            k: {"found": v.found, "total": v.total}
            for k, v in report.test_recall_per_pattern.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="detection F1 beside GFP + LightGBM")
    parser.add_argument("--transactions", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    generated = RESULTS / f"generated-{args.transactions}-{args.seed}.csv"
    if not generated.exists():
        cfg = generator.GeneratorConfig(transactions=args.transactions, seed=args.seed)
        generator.write_csv(generator.generate(cfg), generated)
    datasets = {"amlsim-10k-a": AMLSIM, f"generated-{args.transactions}": generated}
    settings = ModelSettings()
    results: dict[str, dict[str, dict[str, object]]] = {}
    for name, path in datasets.items():
        ours = run_ours(path, RESULTS / f"model-{name}.json", settings)
        peer = {"skipped": True} if args.skip_peer else run_peer(path, settings)
        results[name] = {"repatria": ours, "gfp_lightgbm": peer}
    metrics = ("f1", "precision", "recall", "pr_auc")
    print("test part of a temporal 60/20/20 split; minority (laundering) class")
    print(
        f"{'dataset':<22}{'pipeline':<20}{'F1':>8}{'prec':>8}{'recall':>8}{'PR-AUC':>8}{'trees':>7}"
    )
    for name, res in results.items():
        for pipe in ("repatria", "gfp_lightgbm"):
            test = res[pipe].get("test")
            if isinstance(test, dict):
                row = "".join(f"{test[m]:>8.4f}" for m in metrics)
                print(f"{name:<22}{pipe:<20}{row}{res[pipe].get('trees', ''):>7}")
            else:
                print(f"{name:<22}{pipe:<20}  {res[pipe]}")
        ours_t, peer_t = res["repatria"].get("test"), res["gfp_lightgbm"].get("test")
        if isinstance(ours_t, dict) and isinstance(peer_t, dict):
            row = "".join(
                f"{ours_t[m] / peer_t[m]:>8.3f}" if peer_t[m] else f"{'-':>8}" for m in metrics
            )
            print(f"{name:<22}{'ratio repatria/peer':<20}{row}")
        for pipe in ("repatria", "gfp_lightgbm"):
            per = res[pipe].get("recall_per_pattern")
            if isinstance(per, dict) and per:
                text = ", ".join(f"{k} {v['found']}/{v['total']}" for k, v in per.items())
                print(f"{'':<22}{pipe} recall per pattern (test): {text}")
    print("context only: AMLworld HI-Small minority F1, GFP+LightGBM 62.86, Multi-PNA+EU 68.16")
    out = RESULTS / "bench_detection.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
