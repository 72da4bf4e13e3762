"""`hyperloop data generate` on the example configuration."""

from __future__ import annotations

import re

import uproot

from tests.conftest import ProjectFactory


def test_generates_every_run_of_the_dataset_minus_excluded(project: ProjectFactory) -> None:
    repo = project(base="example")
    out = repo.run(
        "data",
        "generate",
        "LHC22o_pass6",
        "--collisions-per-df",
        "20",
        "--dataframes-per-file",
        "1",
    )
    out.assert_success()
    assert out.lines[:4] == [
        "  LHC22o/526641/apass6  2 files",
        "  LHC22o/526712/apass6  2 files",
        "  LHC22o/526713/apass6  2 files",
        "  LHC22o/526714/apass6  2 files",
    ]
    assert re.fullmatch(
        r"LHC22o_pass6: wrote 8 files, \d+\.\d MB \(20 collisions x 1 data frames per file\) "
        r"in \d+\.\d s under .*/\.hyperloop/data/LHC22o_pass6",
        out.lines[4],
    )
    data = repo.root / ".hyperloop/data/LHC22o_pass6/LHC22o"
    assert sorted(p.name for p in data.iterdir()) == ["526641", "526712", "526713", "526714"]
    assert (data / "526714/apass6/0002/AO2D.root").is_file()


def test_mc_dataset_and_size(project: ProjectFactory) -> None:
    repo = project(base="example")
    data = repo.root.parent / "data"
    out = repo.run("data", "generate", "LHC23d1_mc", "--size-mb", "1", "--data-dir", str(data))
    out.assert_success()
    files = sorted(data.rglob("AO2D.root"))
    assert [f.relative_to(data).as_posix() for f in files] == [
        "LHC23d1_mc/LHC22o/526641/apass6/0001/AO2D.root",
        "LHC23d1_mc/LHC22o/526712/apass6/0001/AO2D.root",
    ]
    assert 0.7e6 < sum(f.stat().st_size for f in files) < 1.3e6
    with uproot.open(files[0]) as f:
        assert str(f["metaData/DataType"]) == "MC"
        assert str(f["metaData/AnchorProduction"]) == "LHC22o_apass6"
        assert str(f["metaData/LPMProductionTag"]) == "LHC23d1"


def test_errors(project: ProjectFactory) -> None:
    repo = project(base="example")
    out = repo.run("data", "generate", "LHC22o_pass7")
    assert out.exit_code == 1
    assert out.stderr == (
        "error: unknown dataset 'LHC22o_pass7' (datasets: LHC22o_pass6, LHC22o_pass6_short, "
        "LHC23d1_mc, LHC23zzh_pass4)\n"
    )
    out = repo.run("data", "generate", "LHC23zzh_pass4")
    assert out.stderr == (
        "error: dataset LHC23zzh_pass4 is stored on the grid (/alice/data/2023/LHC23zzh); "
        "only local datasets can be generated\n"
    )
    out = repo.run("data", "generate", "LHC22o_pass6", "--size-mb", "1", "--collisions-per-df", "3")
    assert out.exit_code == 2
    assert "give --size-mb or --collisions-per-df, not both" in out.stderr
