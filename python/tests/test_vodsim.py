"""Tests of `import vodsim` (run, sweep, load, find_binary) on real runs of
scenarios/module-failure.json (unittest, no pytest needed):

    VODSIM_BIN=target/release/vodsim python3 -m unittest discover -s python/tests

The binary is found as an analyst's would be (find_binary: VODSIM_BIN,
PATH, then target/release/vodsim of the checkout). Every number the
package returns is compared with the run's own files read here with the
standard library (csv, json), not with the package's code."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import unittest
from collections import Counter
from unittest import mock

import vodsim
import vodsim_results

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(REPO, "scenarios", "module-failure.json")
# Four modules; module 0 is announced failure-likely at 280 s and fails at
# 300 s. 200 streams are spread evenly, so module 0 holds 200 / 4 = 50
# users and 50 migrations happen, all before the run ends at 310 s.
SHORT = {"duration_s": 310, "workload.streams": 200}
# 20 s without a fault: quicker, for what needs a run but not migrations
QUIET = {"duration_s": 20, "workload.streams": 200, "faults": []}


def rows(path: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def files(d: str) -> dict[str, bytes]:
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


class Tmp(unittest.TestCase):
    """Default output directories land in a temporary directory of the
    test's own (tempfile.tempdir), removed at the end."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vodsim-py-test-")
        cls._saved_tempdir = tempfile.tempdir
        tempfile.tempdir = cls.tmp

    @classmethod
    def tearDownClass(cls):
        tempfile.tempdir = cls._saved_tempdir
        shutil.rmtree(cls.tmp, ignore_errors=True)


class RunTest(Tmp):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.r = vodsim.run(SCENARIO, seed=3, set=SHORT)

    def test_default_out_is_a_fresh_temporary_directory(self):
        self.assertEqual(os.path.dirname(self.r.path), self.tmp)
        self.assertTrue(os.path.basename(self.r.path).startswith("vodsim-module-failure-"))
        first = files(self.r.path)
        other = vodsim.run(SCENARIO, seed=3, set=dict(SHORT, **{"migration.policy": "naive"}))
        self.assertNotEqual(other.path, self.r.path)
        self.assertEqual(other.summary["policy"], "naive")
        self.assertEqual(files(self.r.path), first, "the first run's files changed")

    def test_seed_and_set_reach_the_run(self):
        m = read_json(os.path.join(self.r.path, "manifest.json"))
        self.assertEqual(m["seed"], 3)
        self.assertEqual(m["scenario"]["duration_s"], 310)
        self.assertEqual(m["scenario"]["workload"]["streams"], 200)
        self.assertEqual(self.r.manifest, m)

    def test_numbers_are_the_files(self):
        summary = read_json(os.path.join(self.r.path, "summary.json"))
        self.assertEqual(self.r.summary, summary)
        self.assertEqual(summary["migrations"], 50)  # module 0's share, see SHORT
        mig = rows(os.path.join(self.r.path, "migrations.csv"))
        self.assertEqual(len(self.r.migrations), len(mig))
        self.assertEqual(dict(Counter(self.r.migrations["outcome"])),
                         dict(Counter(row["outcome"] for row in mig)))
        self.assertEqual(list(self.r.migrations["destination"]), [int(x["destination"]) for x in mig])
        st = rows(os.path.join(self.r.path, "streams.csv"))
        self.assertEqual(len(self.r.streams), len(st))
        self.assertEqual(list(self.r.streams["delivered"]), [int(x["delivered"]) for x in st])
        self.assertEqual(list(self.r.streams["lost_s"]), [float(x["lost_s"]) for x in st])
        self.assertEqual(list(self.r.streams["terminated"]), [x["terminated"] == "1" for x in st])
        # an empty cell (no start-up measured: a stream there from the start)
        # is <NA>, a number otherwise
        startup = self.r.streams["startup_s"]
        self.assertEqual([bool(v) for v in startup.isna()], [x["startup_s"] == "" for x in st])
        self.assertTrue(startup.isna().any())
        self.assertAlmostEqual(float(self.r.streams["lost_s"].sum()),
                               math.fsum(float(x["lost_s"]) for x in st), places=9)
        mod = rows(os.path.join(self.r.path, "modules.csv"))
        self.assertEqual(int(self.r.modules["glitches"].sum()), sum(int(x["glitches"]) for x in mod))
        self.assertEqual(int(self.r.modules["glitches"].sum()), summary["glitches"])

    def test_dtypes(self):
        dt = lambda df, c: str(df[c].dtype)  # noqa: E731
        self.assertEqual(dt(self.r.streams, "stream_id"), "Int64")
        self.assertEqual(dt(self.r.streams, "startup_s"), "float64")
        self.assertEqual(dt(self.r.streams, "terminated"), "bool")
        self.assertEqual(dt(self.r.migrations, "outcome"), "string")
        self.assertEqual(dt(self.r.migrations, "t_s"), "float64")
        self.assertEqual(dt(self.r.modules, "failed"), "bool")
        self.assertIsNone(self.r.reads)

    def test_trace_and_a_list_valued_set(self):
        # `faults: []` is one JSON value (no failure: no migration), not a sweep
        r = vodsim.run(SCENARIO, set=QUIET, trace=True)
        self.assertEqual(r.summary["migrations"], 0)
        self.assertEqual(r.summary["seed"], 7)  # the scenario's own
        reads = rows(os.path.join(r.path, "reads.csv"))
        self.assertEqual(len(r.reads), len(reads))
        self.assertEqual(list(r.reads["t_done_s"]), [float(x["t_done_s"]) for x in reads])
        # reads.csv also lists the reads still in flight at the end
        self.assertEqual(int((r.reads["t_done_s"] <= 20).sum()), r.summary["reads_completed"])
        self.assertEqual(str(r.reads["disk"].dtype), "Int64")

    def test_out_given_another_experiment_refused_then_forced(self):
        out = os.path.join(self.tmp, "mine")
        r = vodsim.run(SCENARIO, seed=3, set=QUIET, out=out)
        self.assertEqual(r.path, out)
        before = files(out)
        with self.assertRaises(vodsim.VodsimError) as cm:
            vodsim.run(SCENARIO, seed=4, set=QUIET, out=out)
        self.assertIsInstance(cm.exception, subprocess.CalledProcessError)
        self.assertEqual(cm.exception.returncode, 2)
        self.assertIn("different experiment", str(cm.exception))
        self.assertIn("--force", cm.exception.stderr)
        self.assertEqual(files(out), before)
        forced = vodsim.run(SCENARIO, seed=4, set=QUIET, out=out, force=True)
        self.assertEqual(forced.summary["seed"], 4)

    def test_failed_run_leaves_no_temporary_directory(self):
        before = sorted(os.listdir(self.tmp))
        with self.assertRaises(vodsim.VodsimError) as cm:
            vodsim.run(SCENARIO, set={"workload.streamz": 1})
        self.assertIn("workload.streamz", str(cm.exception))
        self.assertEqual(sorted(os.listdir(self.tmp)), before)


class SweepTest(Tmp):
    SET = dict(SHORT, **{"migration.policy": ["protocol", "naive"]})

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s = vodsim.sweep(SCENARIO, seeds=range(1, 3), set=cls.SET, jobs=1)

    def test_tables_are_the_files(self):
        s = self.s
        self.assertEqual(os.path.dirname(s.path), self.tmp)
        self.assertEqual(s.params, ["migration.policy"])
        runs = rows(os.path.join(s.path, "runs.csv"))
        self.assertEqual(len(runs), 4)  # 2 policies x 2 seeds
        self.assertEqual(len(s.runs), 4)
        self.assertEqual(list(s.runs["seed"]), [int(x["seed"]) for x in runs])
        self.assertEqual(list(s.runs["glitches"]), [int(x["glitches"]) for x in runs])
        self.assertEqual(list(s.runs["lost_s"]), [float(x["lost_s"]) for x in runs])
        self.assertEqual(str(s.runs["glitches"].dtype), "Int64")
        self.assertEqual(str(s.runs["lost_s"].dtype), "float64")
        self.assertEqual(str(s.points["n"].dtype), "Int64")
        self.assertEqual(str(s.runs["migration.policy"].dtype), "string")
        self.assertEqual(str(s.points["migration.policy"].dtype), "string")
        # each run row is its run directory's summary
        for x in runs:
            summary = read_json(os.path.join(s.path, x["run_dir"], "summary.json"))
            self.assertEqual(summary["migrations"], int(x["migrations"]))
            self.assertEqual(summary["policy"], x["migration.policy"])
        # points.csv: the mean over seeds of runs.csv, per policy
        for p in rows(os.path.join(s.path, "points.csv")):
            mine = [float(x["lost_s"]) for x in runs if x["migration.policy"] == p["migration.policy"]]
            self.assertEqual(int(p["n"]), 2)
            self.assertAlmostEqual(statistics.fmean(mine), float(p["lost_s_mean"]), places=6)
            got = s.points[s.points["migration.policy"] == p["migration.policy"]].iloc[0]
            self.assertEqual(got["lost_s_mean"], float(p["lost_s_mean"]))

    def test_extended_into_the_same_out_reuses_finished_runs(self):
        out = os.path.join(self.tmp, "grow")
        first = vodsim.sweep(SCENARIO, seeds="1..2", set=self.SET, out=out, jobs=1)
        kept = {d: files(os.path.join(out, d)) for d in first.runs["run_dir"]}
        grown = vodsim.sweep(SCENARIO, seeds="1..3", set=self.SET, out=out, jobs=1)
        self.assertEqual(len(grown.runs), 6)
        # summary.json holds wall_s: unchanged bytes mean not run again
        self.assertEqual({d: files(os.path.join(out, d)) for d in kept}, kept)
        self.assertEqual(sorted(grown.runs["seed"].unique()), [1, 2, 3])

    def test_seeds_spellings(self):
        self.assertEqual(vodsim._seeds("1..5"), "1..5")
        self.assertEqual(vodsim._seeds(4), "4..4")
        self.assertEqual(vodsim._seeds(range(2, 6)), "2..5")
        with self.assertRaises(ValueError):
            vodsim._seeds(range(1, 10, 2))
        with self.assertRaises(TypeError):
            vodsim._seeds([1, 2])

    def test_set_spellings(self):
        with self.assertRaisesRegex(ValueError, r"'faults': \[\[\]\]"):
            vodsim._sweep_sets({"faults": []})
        self.assertEqual(vodsim._sweep_sets({"a": [1, "edf", None], "b": 2.5, "c": [[]]}),
                         ["--set", "a=1,edf,null", "--set", "b=2.5", "--set", "c=[]"])
        self.assertEqual(vodsim._run_sets({"faults": [], "x": "naive", "y": True}),
                         ["--set", "faults=[]", "--set", "x=naive", "--set", "y=true"])


class LoadTest(Tmp):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # in a sweep a list is the values to sweep: `faults` fixed to [] is [[]]
        cls.s = vodsim.sweep(SCENARIO, seeds="1..2", set=dict(QUIET, faults=[[]]), jobs=1)

    def test_detects_sweep_and_run(self):
        s = vodsim.load(self.s.path)
        self.assertIsInstance(s, vodsim.Sweep)
        self.assertEqual(list(s.runs["run_dir"]), list(self.s.runs["run_dir"]))
        run_dir = os.path.join(self.s.path, self.s.runs["run_dir"].iloc[1])
        r = vodsim.load(run_dir)
        self.assertIsInstance(r, vodsim.Run)
        self.assertEqual(r.summary, read_json(os.path.join(run_dir, "summary.json")))
        self.assertEqual(r.summary["seed"], 2)

    def test_not_a_result(self):
        # the sweep's runs/ folder holds runs but is none: they are named
        with self.assertRaisesRegex(vodsim.ManifestMismatch, r"holds results: p000-s1, p000-s2"):
            vodsim.load(os.path.join(self.s.path, "runs"))
        with self.assertRaises(FileNotFoundError):
            vodsim.load(os.path.join(self.tmp, "nothing-here"))

    def test_verifies_unless_asked_not_to(self):
        d = os.path.join(self.tmp, "edited")
        shutil.copytree(self.s.path, d)
        victim = os.path.join(d, self.s.runs["run_dir"].iloc[0], "modules.csv")
        with open(victim, "a", encoding="utf-8") as f:
            f.write("\n")
        with self.assertRaisesRegex(vodsim.ManifestMismatch, r"p000-s1/modules\.csv"):
            vodsim.load(d)
        self.assertIsInstance(vodsim.load(d, verify=False), vodsim.Sweep)


class FindBinaryTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vodsim-py-bin-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.fake = os.path.join(self.tmp, "vodsim")
        with open(self.fake, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(self.fake, 0o755)

    def env(self, **kw):
        env = {k: v for k, v in os.environ.items() if k != "VODSIM_BIN"}
        env.update(kw)
        return mock.patch.dict(os.environ, env, clear=True)

    def test_order_explicit_env_path(self):
        other = os.path.join(self.tmp, "other-vodsim")
        shutil.copy(self.fake, other)
        with self.env(VODSIM_BIN=other, PATH=self.tmp):
            self.assertEqual(vodsim.find_binary(self.fake), self.fake)
            self.assertEqual(vodsim.find_binary(), other)
        with self.env(PATH=self.tmp):
            self.assertEqual(vodsim.find_binary(), self.fake)

    def test_checkout_target_release(self):
        real = os.path.join(REPO, "target", "release", "vodsim")
        if not os.access(real, os.X_OK):
            self.skipTest(f"{real} not built")
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(os.path.join(REPO, "examples"))  # a notebook's directory
        with self.env(PATH=empty):
            self.assertEqual(vodsim.find_binary(), real)

    def test_bad_env_is_an_error_not_a_fallback(self):
        with self.env(VODSIM_BIN=os.path.join(self.tmp, "nope"), PATH=self.tmp):
            with self.assertRaisesRegex(vodsim.BinaryNotFound, r"VODSIM_BIN=.*nope.*not an executable"):
                vodsim.find_binary()

    def test_nothing_found_says_where_it_looked(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        with self.env(PATH=empty), mock.patch.object(vodsim, "_search_roots", lambda: []):
            with self.assertRaises(vodsim.BinaryNotFound) as cm:
                vodsim.run(SCENARIO, out=os.path.join(self.tmp, "never"))
        msg = str(cm.exception)
        for part in ("VODSIM_BIN is not set", "not on PATH", "cargo build --release"):
            self.assertIn(part, msg)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "never")))


class EarlierName(unittest.TestCase):
    def test_vodsim_results_is_vodsim(self):
        for name in ("load_run", "load_sweep", "load", "ManifestMismatch", "Run", "Sweep",
                     "COLUMN_TYPES", "find_binary"):
            self.assertIs(getattr(vodsim_results, name), getattr(vodsim, name), name)


if __name__ == "__main__":
    unittest.main()
