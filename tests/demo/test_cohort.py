from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from medveil.demo._cohort import (
    COLUMNS,
    DATA_CUTOFF,
    SITE_PROFILES,
    STAGES,
    TREATMENTS,
    TUMOUR_SITES,
    generate_cohorts,
    resident_id_check_char,
    write_site_data,
)
from medveil.errors import InputError

CJK = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
LATIN = re.compile(r"^[A-Za-z][A-Za-z'.\- ]+ [A-Za-z'\-]+$")
STRING_COLUMNS = ("patient_name", "resident_id", "phone", "mrn", "sex", "birth_date",
                  "diagnosis_date", "ethnicity", "stage", "tumour_site", "msi", "treatment")
FLOAT_COLUMNS = ("age", "bmi", "cea", "followup_months")
INT_COLUMNS = ("recurrence", "status")


@pytest.fixture(scope="module")
def cohorts() -> list[pd.DataFrame]:
    return generate_cohorts()


@pytest.fixture(scope="module")
def pooled(cohorts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(cohorts, ignore_index=True)


def mod11_2_valid(resident_id: str) -> bool:
    """ISO 7064 MOD 11-2 over all 18 characters, written independently of the code under test."""
    values = [10 if c == "X" else int(c) for c in resident_id]
    return sum(v * 2 ** (17 - i) for i, v in enumerate(values)) % 11 == 1


# The two worked examples of GB 11643-1999.
@pytest.mark.parametrize("resident_id", ["11010519491231002X", "440524188001010014"])
def test_check_char_of_known_valid_ids(resident_id: str) -> None:
    assert mod11_2_valid(resident_id)
    assert resident_id_check_char(resident_id[:17]) == resident_id[17]


def test_check_char_detects_a_changed_digit() -> None:
    assert resident_id_check_char("11010519491231003") != "X"


@pytest.mark.parametrize("body", ["1101051949123100", "110105194912310021", "1101051949123100A",
                                  "１１０１０５１９４９１２３１００２"])
def test_check_char_rejects_malformed_bodies(body: str) -> None:
    with pytest.raises(InputError) as exc:
        resident_id_check_char(body)
    assert body not in str(exc.value)  # never echo a (possibly real) identifier


def test_default_sizes() -> None:
    frames = generate_cohorts()
    assert [len(f) for f in frames] == [5000, 3000, 2000]


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = generate_cohorts(7, (300, 200, 100))
    b = generate_cohorts(7, (300, 200, 100))
    c = generate_cohorts(8, (300, 200, 100))
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    for x, z in zip(a, c, strict=True):
        assert not x["resident_id"].equals(z["resident_id"])
        assert not x["patient_name"].equals(z["patient_name"])


def test_a_site_depends_only_on_seed_and_its_index() -> None:
    a = generate_cohorts(7, (300, 200))
    b = generate_cohorts(7, (50, 200, 10))
    pd.testing.assert_frame_equal(a[1], b[1])


def test_sizes_are_validated() -> None:
    with pytest.raises(InputError):
        generate_cohorts(1, (10, 10, 10, 10))
    with pytest.raises(InputError):
        generate_cohorts(1, (10, -1))


def test_empty_site_has_the_columns() -> None:
    (df,) = generate_cohorts(1, (0,))
    assert len(df) == 0
    assert tuple(df.columns) == COLUMNS


def test_columns_and_dtypes(cohorts: list[pd.DataFrame]) -> None:
    for df in cohorts:
        assert tuple(df.columns) == COLUMNS
        for c in STRING_COLUMNS:
            assert pd.api.types.is_string_dtype(df[c]), c
            assert df[c].notna().all(), c
        for c in FLOAT_COLUMNS:
            assert df[c].dtype == np.float64, c
        for c in INT_COLUMNS:
            assert df[c].dtype == np.int64, c


def test_value_ranges(pooled: pd.DataFrame) -> None:
    df = pooled
    assert set(df["sex"]) == {"F", "M"}
    assert set(df["stage"]) == set(STAGES)
    assert set(df["tumour_site"]) == set(TUMOUR_SITES)
    assert set(df["treatment"]) == set(TREATMENTS)
    assert set(df["msi"]) == {"MSI-H", "MSS"}
    assert set(df["recurrence"]) == {0, 1}
    assert set(df["status"]) == {0, 1}
    assert df["age"].between(22, 96).all()
    assert df["bmi"].between(13, 46).all()
    cea = df["cea"].dropna()
    assert (cea > 0).all() and cea.max() > 50  # log-normal: a long right tail
    assert (df["followup_months"] > 0).all()
    assert 0.5 < (df["sex"] == "M").mean() < 0.65
    assert df["mrn"].is_unique


def test_dates_and_age_agree(pooled: pd.DataFrame) -> None:
    birth = pd.to_datetime(pooled["birth_date"], format="%Y-%m-%d")
    diag = pd.to_datetime(pooled["diagnosis_date"], format="%Y-%m-%d")
    days = (diag - birth).dt.days
    np.testing.assert_allclose(pooled["age"], days / 365.25, atol=0.006)
    assert diag.max() <= pd.Timestamp(str(DATA_CUTOFF))
    # Follow-up never runs past the data cut-off (administrative censoring).
    room = (pd.Timestamp(str(DATA_CUTOFF)) - diag).dt.days / (365.25 / 12)
    assert (pooled["followup_months"] <= room + 0.01).all()
    assert (pooled.loc[pooled["status"] == 0, "followup_months"] > 0).all()


def test_resident_ids_are_valid_and_match_birth_and_sex(cohorts: list[pd.DataFrame]) -> None:
    for df, profile in zip(cohorts, SITE_PROFILES, strict=True):
        ids = df["resident_id"]
        assert ids.str.fullmatch(r"\d{17}[\dX]").all()
        assert ids.is_unique
        assert ids.str[:6].isin(profile.region_codes).all()
        assert ids.str.endswith("X").any()  # the check value 10
        assert all(resident_id_check_char(r[:17]) == r[17] for r in ids)
        assert all(mod11_2_valid(r) for r in ids)
        assert (ids.str[6:14] == df["birth_date"].str.replace("-", "")).all()
        odd = ids.str[16].astype(int) % 2 == 1
        assert (odd == (df["sex"] == "M")).all()
        assert (ids.str[14:17] != "000").all()
        # Birth dates are real calendar dates.
        for r in ids.head(50):
            date(int(r[6:10]), int(r[10:12]), int(r[12:14]))


def test_phones_and_mrns_by_site(cohorts: list[pd.DataFrame]) -> None:
    cn = r"1[3-9]\d{9}"
    us = r"\([2-9][0-8]\d\) [2-9]\d{2}-\d{4}"
    assert cohorts[0]["phone"].str.fullmatch(cn).all()
    assert cohorts[1]["phone"].str.fullmatch(cn).all()
    site_c = cohorts[2]
    is_us = site_c["phone"].str.fullmatch(us)
    assert (is_us | site_c["phone"].str.fullmatch(cn)).all()
    assert is_us.mean() > 0.6
    for df, profile in zip(cohorts, SITE_PROFILES, strict=True):
        assert df["mrn"].str.fullmatch(re.escape(profile.mrn_prefix) + r"\d{8}").all()


def test_names_chinese_at_site_0_latin_at_site_2(cohorts: list[pd.DataFrame]) -> None:
    cjk0 = cohorts[0]["patient_name"].str.match(CJK).mean()
    assert cjk0 > 0.9
    assert cjk0 < 1.0  # some mixing
    latin2 = cohorts[2]["patient_name"].str.match(LATIN).mean()
    assert latin2 > 0.6
    assert (cohorts[2]["patient_name"].str.match(CJK)
            | cohorts[2]["patient_name"].str.match(LATIN)).all()


def test_recurrence_rises_with_stage_and_cea(pooled: pd.DataFrame) -> None:
    rate = pooled.groupby("stage")["recurrence"].mean()
    assert rate["IV"] > rate["III"] > rate["II"] > rate["I"]
    assert rate["IV"] - rate["I"] > 0.4
    st3 = pooled[pooled["stage"] == "III"].dropna(subset=["cea"])
    high = st3["cea"] > st3["cea"].median()
    assert st3.loc[high, "recurrence"].mean() > st3.loc[~high, "recurrence"].mean()


def test_cea_rises_with_stage_and_is_sometimes_missing(cohorts: list[pd.DataFrame]) -> None:
    for df, profile in zip(cohorts, SITE_PROFILES, strict=True):
        median = df.groupby("stage")["cea"].median()
        assert median["IV"] > median["III"] > median["I"]
        missing = df["cea"].isna().mean()
        assert 0.01 < missing < 0.12
        assert abs(missing - profile.cea_missing) < 0.03
        others = df.drop(columns=["cea"])
        assert not others.isna().any().any()


def test_msi_high_about_15_percent_more_in_right_colon(pooled: pd.DataFrame) -> None:
    msi_h = pooled["msi"] == "MSI-H"
    assert 0.1 < msi_h.mean() < 0.2
    by_site = msi_h.groupby(pooled["tumour_site"]).mean()
    assert by_site["right colon"] > 2 * by_site["left colon"]
    assert by_site["right colon"] > 2 * by_site["rectum"]


def test_survival_depends_on_stage_and_age(pooled: pd.DataFrame) -> None:
    deaths = pooled.groupby("stage")["status"].mean()
    assert deaths["IV"] > deaths["III"] > deaths["I"]
    assert 0.1 < pooled["status"].mean() < 0.6
    st2 = pooled[pooled["stage"] == "II"]
    old = st2["age"] >= 75
    assert st2.loc[old, "status"].mean() > st2.loc[~old, "status"].mean()


def test_treatment_follows_stage(pooled: pd.DataFrame) -> None:
    share = pd.crosstab(pooled["stage"], pooled["treatment"], normalize="index")
    assert share.loc["I", "surgery"] > 0.8
    assert share.loc["III", "surgery+chemo"] > 0.6
    assert share.loc["IV", "palliative"] > share.loc["I", "palliative"]


def test_sites_are_not_iid(cohorts: list[pd.DataFrame]) -> None:
    stage_table = np.array([[(df["stage"] == s).sum() for s in STAGES] for df in cohorts])
    assert chi2_contingency(stage_table).pvalue < 1e-3
    a, b, c = cohorts
    late = [df["stage"].isin(["III", "IV"]).mean() for df in cohorts]
    assert late[0] > late[1] > late[2]  # the referral centre sees the most advanced disease
    assert b["age"].mean() > a["age"].mean() + 2 > c["age"].mean() + 4
    st2 = [df.loc[df["stage"] == "II", "cea"].median() for df in cohorts]
    assert st2[0] > st2[2]  # CEA level differs at equal stage
    zhuang = [(df["ethnicity"] == "Zhuang").mean() for df in cohorts]
    assert zhuang[1] > 0.15 and zhuang[0] == 0 and zhuang[2] == 0
    for df in cohorts:
        shares = df["ethnicity"].value_counts(normalize=True)
        assert shares.index[0] == "Han" and shares["Han"] > 0.6
        assert 2 <= len(shares) <= 6


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_site_data_round_trips(tmp_path: Path, fmt: str) -> None:
    (df,) = generate_cohorts(3, (200,))
    path = write_site_data(df, tmp_path / "data", fmt)
    assert path == tmp_path / "data" / f"crc.{fmt}"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    if fmt == "parquet":
        back = pd.read_parquet(path)
    else:
        back = pd.read_csv(path, dtype={"resident_id": str, "phone": str, "mrn": str})
    pd.testing.assert_frame_equal(back, df, check_dtype=fmt == "parquet")
    assert back["cea"].isna().sum() == df["cea"].isna().sum() > 0


def test_write_site_data_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (df,) = generate_cohorts(3, (20,))
    path = write_site_data(df, tmp_path)
    before = path.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write_site_data(df.head(5), tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["crc.parquet"]


def test_write_site_data_rejects_unknown_format(tmp_path: Path) -> None:
    (df,) = generate_cohorts(3, (5,))
    with pytest.raises(InputError):
        write_site_data(df, tmp_path, "xlsx")
