"""Insulin-sensitivity indices against values worked by hand from the formula papers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifestyle_trials as lt
from lifestyle_trials.units import convert_glucose, convert_insulin

positive = st.floats(min_value=0.1, max_value=500, allow_nan=False, allow_infinity=False)


class TestHomaIR:
    def test_matthews_formula_by_hand(self):
        # Matthews 1985: insulin 10 µU/mL × glucose 4.5 mmol/L / 22.5 = 2.0
        assert lt.homa_ir(4.5, 10.0) == pytest.approx(2.0, rel=1e-15)

    def test_mg_dl_divisor_405(self):
        # the same person in mg/dL: 4.5 mmol/L = 81.072 mg/dL; 81.072 × 10 / 405 = 2.0018
        assert lt.homa_ir(81.072, 10.0, glucose_unit="mg/dL") == pytest.approx(
            81.072 * 10.0 / (22.5 * 18.016), rel=1e-14
        )
        # the commonly quoted 405 is 22.5 × 18: within 0.1% of 22.5 × 18.016
        assert lt.homa_ir(81.0, 10.0, glucose_unit="mg/dL") == pytest.approx(
            81.0 * 10.0 / 405.0, rel=1e-3
        )

    def test_insulin_in_pmol_per_l_uses_the_explicit_factor(self):
        assert lt.homa_ir(4.5, 60.0, insulin_unit="pmol/L") == pytest.approx(2.0, rel=1e-15)
        assert lt.homa_ir(4.5, 69.45, insulin_unit="pmol/L", insulin_factor=6.945) == (
            pytest.approx(2.0, rel=1e-14)
        )

    def test_series_keeps_index_and_nan_propagates(self):
        glucose = pd.Series([4.5, np.nan, 9.0], index=["a", "b", "c"])
        insulin = pd.Series([10.0, 10.0, 5.0], index=["a", "b", "c"])
        out = lt.homa_ir(glucose, insulin)
        assert isinstance(out, pd.Series)
        assert list(out.index) == ["a", "b", "c"]
        assert out["a"] == pytest.approx(2.0)
        assert math.isnan(out["b"])
        assert out["c"] == pytest.approx(2.0)

    def test_array_in_array_out(self):
        out = lt.homa_ir(np.array([4.5, 9.0]), np.array([10.0, 5.0]))
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, [2.0, 2.0])

    @pytest.mark.parametrize("glucose,insulin", [(0.0, 10.0), (5.0, -1.0), (-5.0, 10.0)])
    def test_non_positive_is_a_domain_error(self, glucose, insulin):
        with pytest.raises(lt.DomainError, match="must be positive"):
            lt.homa_ir(glucose, insulin)

    def test_error_says_where(self):
        with pytest.raises(lt.DomainError, match="position\\(s\\) 2"):
            lt.homa_ir([5.0, 5.0, 5.0], [10.0, 10.0, 0.0])

    def test_unknown_unit(self):
        with pytest.raises(lt.UnitError, match="unknown insulin unit"):
            lt.homa_ir(5.0, 10.0, insulin_unit="ng/mL")

    @given(positive, positive)
    def test_scales_linearly_in_each_input(self, glucose, insulin):
        base = lt.homa_ir(glucose, insulin)
        assert lt.homa_ir(2 * glucose, insulin) == pytest.approx(2 * base, rel=1e-12)
        assert lt.homa_ir(glucose, 3 * insulin) == pytest.approx(3 * base, rel=1e-12)


class TestHomaB:
    def test_matthews_formula_by_hand(self):
        # 20 × 10 µU/mL / (5.5 − 3.5) mmol/L = 100 %
        assert lt.homa_b(5.5, 10.0) == pytest.approx(100.0, rel=1e-15)
        # 20 × 12 / (6.0 − 3.5) = 96 %
        assert lt.homa_b(6.0, 12.0) == pytest.approx(96.0, rel=1e-15)

    def test_undefined_at_low_glucose_warns_and_gives_nan(self):
        with pytest.warns(lt.TrialDataWarning, match="1 value"):
            out = lt.homa_b(np.array([3.4, 5.5]), np.array([10.0, 10.0]))
        assert math.isnan(out[0])
        assert out[1] == pytest.approx(100.0)


class TestQuicki:
    def test_katz_formula_by_hand(self):
        # 1 / (log10 10 + log10 100) = 1/3
        assert lt.quicki(100.0, 10.0, glucose_unit="mg/dL") == pytest.approx(1 / 3, rel=1e-14)
        # in mmol/L: 5 mmol/L = 90.08 mg/dL; insulin 8 µU/mL
        expected = 1.0 / (math.log10(8.0) + math.log10(90.08))
        assert lt.quicki(5.0, 8.0) == pytest.approx(expected, rel=1e-14)

    def test_nan_propagates(self):
        assert math.isnan(lt.quicki(float("nan"), 8.0))


class TestMatsuda:
    def test_formula_by_hand(self):
        # Matsuda & DeFronzo 1999: 10000 / sqrt(G0 I0 Gmean Imean), mg/dL and µU/mL
        g = np.array([90.0, 160.0, 150.0, 120.0, 100.0])
        i = np.array([8.0, 60.0, 70.0, 40.0, 20.0])
        expected = 10000.0 / math.sqrt(90.0 * 8.0 * g.mean() * i.mean())
        assert lt.matsuda(g, i, glucose_unit="mg/dL") == pytest.approx(expected, rel=1e-14)

    def test_rows_are_subjects(self):
        g = np.array([[5.0, 8.0, 7.0], [5.5, 9.0, 8.0]])
        i = np.array([[10.0, 60.0, 50.0], [12.0, 80.0, 70.0]])
        out = lt.matsuda(g, i)
        assert out.shape == (2,)
        assert out[1] == pytest.approx(lt.matsuda(g[1], i[1]), rel=1e-14)

    def test_dataframe_gives_series(self):
        g = pd.DataFrame([[5.0, 8.0], [5.5, 9.0]], index=["s1", "s2"])
        i = pd.DataFrame([[10.0, 60.0], [12.0, 80.0]], index=["s1", "s2"])
        out = lt.matsuda(g, i)
        assert list(out.index) == ["s1", "s2"]

    def test_needs_more_than_fasting(self):
        with pytest.raises(lt.DomainError, match="OGTT samples"):
            lt.matsuda(np.array([[5.0]]), np.array([[10.0]]))

    def test_shape_mismatch(self):
        with pytest.raises(lt.DomainError, match="same shape"):
            lt.matsuda([5.0, 8.0], [10.0, 60.0, 50.0])


class TestConversions:
    def test_default_insulin_factor_is_6(self):
        assert convert_insulin(10.0, "uU/mL", "pmol/L") == pytest.approx(60.0)
        assert convert_insulin(10.0, "mIU/L", "pmol/L", factor=6.945) == pytest.approx(69.45)

    def test_glucose_factor(self):
        assert convert_glucose(1.0, "mmol/L", "mg/dL") == pytest.approx(18.016)

    @given(positive)
    def test_round_trips(self, value):
        back = convert_insulin(convert_insulin(value, "uU/mL", "pmol/L"), "pmol/L", "uU/mL")
        assert back == pytest.approx(value, rel=1e-14)
        back = convert_glucose(convert_glucose(value, "mmol/L", "mg/dL"), "mg/dL", "mmol/L")
        assert back == pytest.approx(value, rel=1e-14)

    def test_bad_factor(self):
        with pytest.raises(lt.UnitError, match="positive"):
            convert_insulin(1.0, "uU/mL", "pmol/L", factor=0)
