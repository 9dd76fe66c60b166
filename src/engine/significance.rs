//! Is a difference between two conversion rates more than chance? The two-sided p-value of
//! `x1 / n1` against `x2 / n2`: the two-proportion z-test (pooled), or Fisher's exact test when
//! a cell's expected count is under 5 (docs/semantics.md, "Significance").

/// Fewer units than this in either group: the p-value is given, but never marked significant.
pub const MIN_UNITS: u64 = 30;

/// The level under which a difference is marked.
pub const ALPHA: f64 = 0.05;

/// Which test gave the p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    ZTest,
    Fisher,
}

/// The two-sided p-value of the difference between `x1 / n1` and `x2 / n2`; `None` when a
/// group is empty or a count exceeds its group.
pub fn p_value(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, Test)> {
    if n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let (x, n) = ((x1 + x2) as f64, (n1 + n2) as f64);
    let expected = [
        n1 as f64 * x / n,
        n1 as f64 * (n - x) / n,
        n2 as f64 * x / n,
        n2 as f64 * (n - x) / n,
    ];
    if expected.iter().any(|&e| e < 5.0) {
        return Some((fisher(x1, n1 - x1, x2, n2 - x2), Test::Fisher));
    }
    let p = x / n;
    let se = (p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return Some((1.0, Test::ZTest));
    }
    let z = (x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64) / se;
    Some((
        (erfc(z.abs() / std::f64::consts::SQRT_2)).min(1.0),
        Test::ZTest,
    ))
}

/// Marked significant: p under [`ALPHA`] with at least [`MIN_UNITS`] in each group.
pub fn significant(p: f64, n1: u64, n2: u64) -> bool {
    p < ALPHA && n1 >= MIN_UNITS && n2 >= MIN_UNITS
}

/// Fisher's exact test, two-sided, of the table [[a, b], [c, d]]: the probability, with the
/// margins fixed, of every table no more likely than the one observed.
fn fisher(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, col1, n) = (a + b, a + c, a + b + c + d);
    let ln_choose = |n: u64, k: u64| ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
    let ln_p = |a: u64| ln_choose(col1, a) + ln_choose(n - col1, row1 - a) - ln_choose(n, row1);
    let observed = ln_p(a);
    let lo = row1.saturating_sub(n - col1);
    let hi = row1.min(col1);
    // A relative tolerance: tables as likely as the observed one, up to rounding, count.
    let total: f64 = (lo..=hi)
        .map(ln_p)
        .filter(|&l| l <= observed + 1e-7 * observed.abs().max(1.0))
        .map(f64::exp)
        .sum();
    total.min(1.0)
}

/// ln(n!), exact summation for small n and Stirling's series beyond.
fn ln_factorial(n: u64) -> f64 {
    if n < 256 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64 + 1.0;
    // ln Γ(x) by Stirling's series, ample for x ≥ 257.
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

/// The complementary error function, to about 1e-7 relative (Numerical Recipes' Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // 2×2 tables with published p-values (R's prop.test without correction, fisher.test).
        let (p, t) = p_value(120, 1000, 150, 1000).unwrap();
        assert_eq!(t, Test::ZTest);
        assert!((p - 0.0497).abs() < 5e-4, "{p}");
        // The tea-tasting table [[3, 1], [1, 3]]: 0.4857.
        let (p, t) = p_value(3, 4, 1, 4).unwrap();
        assert_eq!(t, Test::Fisher);
        assert!((p - 0.485_714).abs() < 1e-5, "{p}");
        // R's fisher.test(matrix(c(1, 11, 9, 3), 2)): 0.002759 (its expected counts are 5 and
        // 7, so p_value itself takes the z-test).
        let p = fisher(1, 9, 11, 3);
        assert!((p - 0.002_759).abs() < 1e-5, "{p}");
        // Fisher over large margins (ln n! by Stirling's series), against exact binomials: 0.049175.
        let exact = fisher(1, 399, 9, 491);
        assert!((exact - 0.049_175).abs() < 1e-5, "{exact}");
        // Large counts, where ln n! comes from Stirling's series, still agree with the z-test's
        // neighbourhood: 2 of 3000 against 12 of 3000 (expected 7 per cell: the z-test).
        let (p, t) = p_value(2, 3000, 12, 3000).unwrap();
        assert_eq!(t, Test::ZTest);
        assert!((p - 0.007_4).abs() < 5e-4, "{p}");
        assert_eq!(p_value(0, 0, 1, 2), None);
        assert_eq!(p_value(5, 10, 5, 10).unwrap().0, 1.0);
    }
}
