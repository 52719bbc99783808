"""Runs Splink and recordlinkage on the FEBRL files, or on the mentions.csv
that `ciss evaluate --generated DIR --write-mentions` writes, and prints, per
tool and task, cluster precision, recall and F1 (pair counting, as `ciss
evaluate` reports them), wall time and peak memory.

Usage: python peers.py FEBRL_DIR [TASK ...]
       python peers.py --mentions MENTIONS_CSV [splink|recordlinkage]
"""

import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

TASKS = {
    "febrl1": ["febrl1.csv"],
    "febrl2": ["febrl2.csv"],
    "febrl3": ["febrl3.csv"],
    "febrl4": ["febrl4a.csv", "febrl4b.csv"],
}
THRESHOLD = 0.95


def load(directory, files):
    frames = []
    for name in files:
        frame = pd.read_csv(Path(directory) / name, dtype=str, keep_default_na=False)
        frame["source_dataset"] = Path(name).stem
        frames.append(frame)
    for frame in frames:
        frame["unique_id"] = frame["rec_id"]
        frame["truth"] = frame["rec_id"].str.split("-").str[1]
        frame.replace("", None, inplace=True)
    return frames


def pairs_in(counts):
    return int((counts * (counts - 1) // 2).sum())


def cluster_scores(ids, clusters, truth):
    frame = pd.DataFrame({"id": ids, "cluster": clusters, "truth": truth})
    true_positive = pairs_in(frame.groupby(["cluster", "truth"]).size())
    predicted = pairs_in(frame.groupby("cluster").size())
    actual = pairs_in(frame.groupby("truth").size())
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_splink(frames, link_only):
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI()
    tables = [db_api.register(f.drop(columns=["truth"])) for f in frames]
    settings = SettingsCreator(
        link_type="link_only" if link_only else "dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
            block_on("date_of_birth", "postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
    )
    linker = Linker(tables if link_only else tables[0], settings, log_level="WARNING")
    deterministic = [
        block_on("given_name", "surname", "date_of_birth"),
        block_on("soc_sec_id"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname")
    )
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    return clusters["unique_id"], clusters["cluster_id"]


def run_recordlinkage(frames, link_only):
    import recordlinkage

    indexer = recordlinkage.Index()
    for columns in (
        ["given_name", "surname"],
        ["surname", "date_of_birth"],
        ["given_name", "date_of_birth"],
        ["soc_sec_id"],
        ["postcode", "street_number"],
    ):
        indexer.block(columns)
    data = [f.set_index("rec_id").fillna("") for f in frames]
    pairs = indexer.index(*data) if link_only else indexer.index(data[0])
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.string("date_of_birth", "date_of_birth", method="damerau_levenshtein", threshold=0.85)
    compare.exact("street_number", "street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    compare.string("suburb", "suburb", method="jarowinkler", threshold=0.85)
    compare.exact("postcode", "postcode")
    compare.string("soc_sec_id", "soc_sec_id", method="damerau_levenshtein", threshold=0.85)
    features = compare.compute(pairs, *data) if link_only else compare.compute(pairs, data[0])
    classifier = recordlinkage.ECMClassifier(binarize=0.5)
    matches = classifier.fit_predict(features)
    return connected_components(matches, frames)


def connected_components(matches, frames):
    ids = pd.concat([f["rec_id"] for f in frames]).tolist()
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in matches:
        parent[find(a)] = find(b)
    return pd.Series(ids), pd.Series([find(i) for i in ids])


GENERATED_BLOCKING = [
    ["surname", "date_of_birth"],
    ["given_name", "date_of_birth"],
    ["surname", "given_name", "zip"],
    ["date_of_birth", "zip"],
    ["state_id"],
    ["fbi"],
    ["licence"],
]


def load_mentions(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.replace("", None, inplace=True)
    return frame


def run_splink_generated(frame):
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    import duckdb

    connection = duckdb.connect()
    # DuckDB spills to a .tmp folder in the working directory by default.
    connection.execute(f"SET temp_directory = '{tempfile.mkdtemp()}'")
    db_api = DuckDBAPI(connection=connection)
    table = db_api.register(frame.drop(columns=["truth"]))
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on(*columns) for columns in GENERATED_BLOCKING
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("suffix"),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.DamerauLevenshteinAtThresholds("zip", [1]),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
            cl.DamerauLevenshteinAtThresholds("state_id", [1]),
            cl.DamerauLevenshteinAtThresholds("fbi", [1]),
            cl.DamerauLevenshteinAtThresholds("licence", [1]),
        ],
    )
    linker = Linker(table, settings, log_level="WARNING")
    deterministic = [
        block_on("given_name", "surname", "date_of_birth"),
        block_on("state_id"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth")
    )
    # Blocking on the surname alone, as for FEBRL, gives billions of pairs at
    # this size; the full name keeps the training pairs to a few million.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    return clusters["unique_id"], clusters["cluster_id"]


def run_recordlinkage_generated(frame):
    import recordlinkage

    indexer = recordlinkage.Index()
    for columns in GENERATED_BLOCKING:
        indexer.block(columns)
    data = frame.set_index("unique_id").drop(columns=["truth"]).fillna("")
    # Blocking on a column would also pair every two records where it is
    # empty; a key unique to the record stands in for an empty value.
    keys = data.copy()
    for column in {c for columns in GENERATED_BLOCKING for c in columns}:
        empty = keys[column] == ""
        keys.loc[empty, column] = "missing " + keys.index[empty]
    pairs = indexer.index(keys)
    compare = recordlinkage.Compare()
    for column in ("given_name", "surname", "street", "city"):
        compare.string(column, column, method="jarowinkler", threshold=0.85)
    compare.string("date_of_birth", "date_of_birth", method="damerau_levenshtein", threshold=0.85)
    for column in ("sex", "suffix", "zip", "phone", "state_id", "fbi", "licence"):
        compare.exact(column, column)
    features = compare.compute(pairs, data)
    classifier = recordlinkage.ECMClassifier(binarize=0.5)
    matches = classifier.fit_predict(features)
    ids = frame["unique_id"].tolist()
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in matches:
        parent[find(a)] = find(b)
    return pd.Series(ids), pd.Series([find(i) for i in ids])


def main_generated(path, tools):
    frame = load_mentions(path)
    truth = frame.set_index("unique_id")["truth"]
    runners = {"splink": run_splink_generated, "recordlinkage": run_recordlinkage_generated}
    for tool_name in tools or list(runners):
        runner = runners[tool_name]
        started = time.perf_counter()
        ids, clusters = runner(frame)
        wall = time.perf_counter() - started
        precision, recall, f1 = cluster_scores(ids, clusters, truth.loc[list(ids)].values)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{tool_name:<14} generated precision {precision:.5f} recall {recall:.5f} "
            f"F1 {f1:.5f} wall {wall:.3f} s peak {peak:.0f} MiB (process so far)",
            flush=True,
        )


def main():
    if sys.argv[1] == "--mentions":
        main_generated(sys.argv[2], sys.argv[3:])
        return
    directory = sys.argv[1]
    tasks = sys.argv[2:] or list(TASKS)
    for tool_name, runner in (("splink", run_splink), ("recordlinkage", run_recordlinkage)):
        for task in tasks:
            frames = load(directory, TASKS[task])
            truth = pd.concat(frames).set_index("rec_id")["truth"]
            started = time.perf_counter()
            ids, clusters = runner(frames, task == "febrl4")
            wall = time.perf_counter() - started
            precision, recall, f1 = cluster_scores(ids, clusters, truth.loc[list(ids)].values)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{tool_name:<14} {task:<7} precision {precision:.5f} recall {recall:.5f} "
                f"F1 {f1:.5f} wall {wall:.3f} s peak {peak:.0f} MiB (process so far)"
            )


if __name__ == "__main__":
    main()
