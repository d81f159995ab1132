"""Tests of the package's loading and checking, through its earlier name
`vodsim_results` (which must keep working), on real vodsim output
(unittest, no pytest needed):

    VODSIM_BIN=target/release/vodsim python3 -m unittest discover -s python/tests

Runs a short module-failure scenario and a 2-point x 2-seed sweep with the
vodsim binary (VODSIM_BIN, default target/release/vodsim of this checkout)
into a temporary directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import pandas as pd

import vodsim_results as vr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VODSIM = os.environ.get("VODSIM_BIN", os.path.join(REPO, "target", "release", "vodsim"))
SCENARIO = os.path.join(REPO, "scenarios", "module-failure.json")
# module 0 of four fails at 300 s; at 200 streams its 50 users all migrate
SHORT = {"duration_s": 310, "workload.streams": 200}


class Fixture(unittest.TestCase):
    tmp = ""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vodsim-results-test-")
        cls.run_dir = os.path.join(cls.tmp, "run")
        vr.run(SCENARIO, cls.run_dir, seed=3, set=SHORT, vodsim=VODSIM)
        cls.sweep_dir = os.path.join(cls.tmp, "sweep")
        vr.sweep(SCENARIO, cls.sweep_dir, "1..2",
                 set=dict(SHORT, **{"migration.policy": ["protocol", "naive"]}),
                 vodsim=VODSIM, jobs=1)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self, src: str, name: str) -> str:
        dst = os.path.join(self.tmp, name)
        shutil.copytree(src, dst)
        return dst


class LoadRun(Fixture):
    def test_frames_typed_as_outputs_md(self):
        r = vr.load_run(self.run_dir)
        self.assertEqual(str(r.streams["stream_id"].dtype), "Int64")
        self.assertEqual(str(r.streams["terminated"].dtype), "bool")
        self.assertEqual(str(r.streams["lost_s"].dtype), "float64")
        self.assertEqual(str(r.migrations["outcome"].dtype), "string")
        self.assertEqual(str(r.migrations["destination"].dtype), "Int64")
        self.assertEqual(str(r.modules["failed"].dtype), "bool")
        self.assertIsNone(r.reads)
        # an empty cell is <NA>, not 0: streams of the failed module end
        # with nobody feeding them only when terminated
        self.assertEqual(r.summary["seed"], 3)

    def test_totals_agree_with_rows(self):
        r = vr.load_run(self.run_dir)
        s = r.summary
        self.assertEqual(len(r.migrations), s["migrations"])
        # module 0 held 50 of the 200 users when it failed
        self.assertEqual(s["migrations"], 50)
        self.assertEqual(int(r.streams["glitches"].sum()), s["glitches"])
        self.assertEqual(int((r.migrations["outcome"] == "seamless").sum()), s["migrations_seamless"])
        self.assertEqual(int(r.modules["glitches"].sum()), s["glitches"])

    def test_changed_csv_named(self):
        d = self.copy(self.run_dir, "run-edited-csv")
        with open(os.path.join(d, "modules.csv"), "a", encoding="utf-8") as f:
            f.write("\n")
        with self.assertRaisesRegex(vr.ManifestMismatch, r"modules\.csv.*bytes"):
            vr.load_run(d)
        vr.load_run(d, verify=False)  # still readable on request

    def test_same_size_edit_caught_by_hash(self):
        d = self.copy(self.run_dir, "run-edited-hash")
        p = os.path.join(d, "streams.csv")
        with open(p, encoding="utf-8") as f:
            text = f.read()
        # swap one digit for another: same size, other content
        i = re.search(r"\n\d", text).start() + 1
        text = text[:i] + ("1" if text[i] != "1" else "2") + text[i + 1:]
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        with self.assertRaisesRegex(vr.ManifestMismatch, r"streams\.csv.*SHA-256"):
            vr.load_run(d)

    def test_summary_checked_byte_for_byte(self):
        """manifest.json hashes summary.json's bytes, as `sha256sum` would:
        an edit of wall_s alone, or the same summary written otherwise
        (other indentation), is a changed file."""
        p = os.path.join(self.run_dir, "summary.json")
        with open(p, "rb") as f:
            raw = f.read()
        manifest = vr.load_run(self.run_dir).manifest
        entry = next(e for e in manifest["files"] if e["name"] == "summary.json")
        self.assertEqual(entry, {"name": "summary.json", "bytes": len(raw),
                                 "sha256": hashlib.sha256(raw).hexdigest()})
        text = raw.decode()
        wall = re.search(r'"wall_s": ([0-9.e-]+)', text)
        edits = {
            # one digit of wall_s changed, nothing else
            "wall": text[:wall.end() - 1] + ("1" if text[wall.end() - 1] != "1" else "2")
            + text[wall.end():],
            # the same values, written with another indentation
            "same": json.dumps(json.loads(raw), indent=1),
        }
        for name, edited in edits.items():
            self.assertNotEqual(edited, text)
            d = self.copy(self.run_dir, f"run-edited-summary-{name}")
            with open(os.path.join(d, "summary.json"), "w", encoding="utf-8") as f:
                f.write(edited)
            with self.assertRaisesRegex(vr.ManifestMismatch, r"summary\.json"):
                vr.load_run(d)

    def test_missing_file_named(self):
        d = self.copy(self.run_dir, "run-missing")
        os.remove(os.path.join(d, "migrations.csv"))
        with self.assertRaisesRegex(vr.ManifestMismatch, r"migrations\.csv"):
            vr.load_run(d)

    def test_cli_error_raised(self):
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            vr.run(SCENARIO, os.path.join(self.tmp, "bad"), set={"workload.streamz": 1},
                   vodsim=VODSIM)
        self.assertIn("streamz", cm.exception.stderr)


class LoadSweep(Fixture):
    def test_tables_and_params(self):
        s = vr.load_sweep(self.sweep_dir)
        self.assertEqual(s.params, ["migration.policy"])
        self.assertEqual(len(s.runs), 4)  # 2 points x 2 seeds
        self.assertEqual(list(s.points["n"]), [2, 2])
        self.assertEqual(str(s.runs["glitches"].dtype), "Int64")
        self.assertEqual(str(s.runs["glitch_rate"].dtype), "float64")
        self.assertEqual(str(s.points["glitches_mean"].dtype), "float64")
        # points.csv is the mean of runs.csv per point
        for pol, g in s.runs.groupby("migration.policy"):
            p = s.points[s.points["migration.policy"] == pol].iloc[0]
            self.assertAlmostEqual(float(g["lost_s"].mean()), p["lost_s_mean"], places=6)
        run = s.run(s.runs["run_dir"].iloc[0])
        self.assertEqual(run.summary["lost_s"], float(s.runs["lost_s"].iloc[0]))

    def test_changed_run_file_named(self):
        d = self.copy(self.sweep_dir, "sweep-edited")
        s = vr.load_sweep(d)
        victim = os.path.join(d, s.runs["run_dir"].iloc[1], "streams.csv")
        with open(victim, "a", encoding="utf-8") as f:
            f.write("x")
        with self.assertRaises(vr.ManifestMismatch) as cm:
            vr.load_sweep(d)
        self.assertIn(victim, str(cm.exception))


class ColumnTypesMatchDocs(unittest.TestCase):
    def test_docs_outputs_md(self):
        """COLUMN_TYPES is the type column of docs/outputs.md's tables."""
        with open(os.path.join(REPO, "docs", "outputs.md"), encoding="utf-8") as f:
            text = f.read()
        for name, types in vr.COLUMN_TYPES.items():
            sec = text.split(f"## run/{name}\n", 1)[1].split("\n## ", 1)[0]
            documented = dict(re.findall(r"^\| `([a-z_0-9]+)` \| (\w+) \|", sec, re.M))
            self.assertEqual(types, documented, name)


if __name__ == "__main__":
    unittest.main()
