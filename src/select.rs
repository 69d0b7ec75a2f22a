//! Symbol selection shared by `aggregate` and `stats`: `--symbols`, `--venues`, `--top N`
//! by quote volume and `--min-quote-volume-24h V`.
//!
//! `--top` and `--min-quote-volume-24h` need each symbol's quote volume, known only once
//! every input is read, so selection happens when the results are written: the pass is
//! the same, only which (venue, symbol) rows come out changes. `--from`/`--to` are not
//! here: they leave trades out in the engine (`Settings::window`), so every figure and bar
//! is made of the trades inside the window.

use std::cmp::Ordering;
use std::collections::VecDeque;

use crate::decimal::{Decimal, Sum};
use crate::time::NS_PER_S;

/// The trailing window of `--min-quote-volume-24h`.
pub const VOLUME_WINDOW: i64 = 24 * 3600 * NS_PER_S;

/// Exact comparison of two sums (at the larger scale).
pub fn cmp_sums(a: Sum, b: Sum) -> Ordering {
    match (a.checked_sub(b), b.checked_sub(a)) {
        (Ok(d), _) if d.is_zero() => Ordering::Equal,
        (Ok(_), _) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        // Only when rescaling would pass 256 bits: compare at the sums' own scale.
        (Err(_), Err(_)) => a.scale.cmp(&b.scale).reverse(),
    }
}

/// A symbol's quote volume: the whole of it, and the largest over a trailing 24 h window
/// (the bars whose start lies in `(b − 24 h, b]`, for every bar start `b`).
#[derive(Clone, Debug, Default)]
pub struct VolumeTracker {
    total: Sum,
    window: VecDeque<(i64, Sum)>,
    window_sum: Sum,
    best: Sum,
}

impl VolumeTracker {
    /// A bar starting at `bucket` with quote volume `qv`; bars come in increasing order.
    pub fn add(&mut self, bucket: i64, qv: Sum) {
        self.total = self.total.checked_add(qv).unwrap_or(self.total);
        while let Some(&(b, v)) = self.window.front() {
            if b > bucket - VOLUME_WINDOW {
                break;
            }
            self.window.pop_front();
            self.window_sum = self.window_sum.checked_sub(v).unwrap_or(Sum::ZERO);
        }
        self.window.push_back((bucket, qv));
        self.window_sum = self.window_sum.checked_add(qv).unwrap_or(self.window_sum);
        if cmp_sums(self.window_sum, self.best) == Ordering::Greater {
            self.best = self.window_sum;
        }
    }

    /// A bar's quote volume into the total only: [`VolumeTracker::best`] stays zero.
    pub fn add_total(&mut self, qv: Sum) {
        self.total = self.total.checked_add(qv).unwrap_or(self.total);
    }

    pub fn total(&self) -> Sum {
        self.total
    }

    pub fn best(&self) -> Sum {
        self.best
    }
}

/// Which (venue, symbol) rows to keep.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Symbols to keep (compared ignoring ASCII case); empty: all.
    pub symbols: Vec<String>,
    /// Venues to keep (lower case); empty: all.
    pub venues: Vec<String>,
    /// Keep the N symbols of largest quote volume (ties: venue, symbol order).
    pub top: Option<usize>,
    /// Keep symbols whose quote volume over some trailing 24 h window reaches this.
    pub min_quote_volume_24h: Option<Decimal>,
}

/// One candidate row: venue, symbol, total quote volume, best 24 h window.
pub struct Candidate<'a> {
    pub venue: &'a str,
    pub symbol: &'a str,
    pub quote_volume: Sum,
    pub best_24h: Sum,
}

impl Selection {
    pub fn is_all(&self) -> bool {
        self.symbols.is_empty()
            && self.venues.is_empty()
            && self.top.is_none()
            && self.min_quote_volume_24h.is_none()
    }

    /// Whether `--symbols` lets `symbol` through (ASCII case ignored).
    fn keeps_symbol(&self, symbol: &str) -> bool {
        self.symbols.is_empty() || self.symbols.iter().any(|s| s.eq_ignore_ascii_case(symbol))
    }

    /// Whether `--venues` lets `venue` through (ASCII case ignored).
    fn keeps_venue(&self, venue: &str) -> bool {
        self.venues.is_empty() || self.venues.iter().any(|v| v.eq_ignore_ascii_case(venue))
    }

    /// The names of `--symbols` and `--venues` that select nothing, each with its flag:
    /// a venue with no trades in the candidates, a symbol with none at any venue that
    /// `--venues` keeps. A misspelt name would otherwise give an empty result and no word
    /// of why.
    pub fn unmatched(&self, cands: &[Candidate]) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for v in &self.venues {
            if !cands.iter().any(|c| c.venue.eq_ignore_ascii_case(v)) {
                out.push(("--venues", v.clone()));
            }
        }
        for s in &self.symbols {
            if !cands
                .iter()
                .any(|c| c.symbol.eq_ignore_ascii_case(s) && self.keeps_venue(c.venue))
            {
                out.push(("--symbols", s.clone()));
            }
        }
        out
    }

    /// The indexes of the candidates kept, in the candidates' order. Name filters apply
    /// first, then the 24 h volume floor, then `--top` among what is left.
    pub fn keep(&self, cands: &[Candidate]) -> Vec<bool> {
        let mut keep: Vec<bool> = cands
            .iter()
            .map(|c| {
                self.keeps_symbol(c.symbol)
                    && self.keeps_venue(c.venue)
                    && self
                        .min_quote_volume_24h
                        .is_none_or(|v| cmp_sums(c.best_24h, v.to_sum()) != Ordering::Less)
            })
            .collect();
        if let Some(n) = self.top {
            let mut order: Vec<usize> = (0..cands.len()).filter(|&i| keep[i]).collect();
            order.sort_by(|&a, &b| {
                cmp_sums(cands[b].quote_volume, cands[a].quote_volume)
                    .then_with(|| cands[a].venue.cmp(cands[b].venue))
                    .then_with(|| cands[a].symbol.cmp(cands[b].symbol))
            });
            for &i in order.iter().skip(n) {
                keep[i] = false;
            }
        }
        keep
    }
}

/// One warning line on stderr per name of [`Selection::unmatched`].
pub fn warn_unmatched(unmatched: &[(&'static str, String)]) {
    for (flag, name) in unmatched {
        crate::say!("tapebar: warning: {flag} `{name}` matches no trades");
    }
}

/// `A,B,C` → `["A", "B", "C"]` (blank items dropped).
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `--from`/`--to`: ISO 8601 (`2024-06-20T00:00:00Z`, `2024-06-20`) or epoch milliseconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = t
            .parse()
            .map_err(|_| format!("`{text}`: epoch milliseconds out of range"))?;
        return ms
            .checked_mul(crate::time::NS_PER_MS)
            .ok_or_else(|| format!("`{text}`: epoch milliseconds out of range"));
    }
    let iso = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    crate::time::parse_iso(&iso).map_err(|e| {
        format!("`{text}`: not an ISO 8601 time (2024-06-20T12:00:00Z) nor epoch ms ({e})")
    })
}

/// `--min-quote-volume-24h`: a non-negative decimal.
pub fn parse_volume(text: &str) -> Result<Decimal, String> {
    Decimal::parse(text.trim()).map_err(|e| format!("`{text}`: not a decimal number ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(s: &str) -> Sum {
        Decimal::parse(s).unwrap().to_sum()
    }

    #[test]
    fn sums_compare_exactly() {
        assert_eq!(cmp_sums(sum("1.10"), sum("1.1")), Ordering::Equal);
        assert_eq!(cmp_sums(sum("1.1"), sum("1.09999")), Ordering::Greater);
        assert_eq!(cmp_sums(sum("2"), sum("10")), Ordering::Less);
    }

    #[test]
    fn trailing_window_takes_the_best_day() {
        let h = 3600 * NS_PER_S;
        let mut v = VolumeTracker::default();
        v.add(0, sum("5"));
        v.add(10 * h, sum("6"));
        // 24 h after the first bar: the first leaves the window (b − 24 h < bar start fails).
        v.add(24 * h, sum("7"));
        assert_eq!(cmp_sums(v.best(), sum("13")), Ordering::Equal);
        v.add(30 * h, sum("1"));
        assert_eq!(cmp_sums(v.best(), sum("14")), Ordering::Equal);
        assert_eq!(cmp_sums(v.total(), sum("19")), Ordering::Equal);
    }

    #[test]
    fn selection_filters_then_tops() {
        let c = |venue, symbol, q: &str, d: &str| Candidate {
            venue,
            symbol,
            quote_volume: sum(q),
            best_24h: sum(d),
        };
        let cands = [
            c("binance", "A", "10", "10"),
            c("binance", "B", "30", "5"),
            c("kraken", "A", "20", "20"),
        ];
        let sel = Selection {
            top: Some(2),
            ..Selection::default()
        };
        assert_eq!(sel.keep(&cands), [false, true, true]);
        let sel = Selection {
            symbols: vec!["a".into()],
            ..Selection::default()
        };
        assert_eq!(sel.keep(&cands), [true, false, true]);
        let sel = Selection {
            min_quote_volume_24h: Some(Decimal::parse("10").unwrap()),
            top: Some(1),
            ..Selection::default()
        };
        assert_eq!(sel.keep(&cands), [false, false, true]);
        let sel = Selection {
            venues: vec!["binance".into()],
            ..Selection::default()
        };
        assert_eq!(sel.keep(&cands), [true, true, false]);
    }

    #[test]
    fn names_that_select_nothing_are_told() {
        let c = |venue, symbol| Candidate {
            venue,
            symbol,
            quote_volume: Sum::ZERO,
            best_24h: Sum::ZERO,
        };
        let cands = [c("binance", "BTCUSDT"), c("kraken", "XBT/USD")];
        let sel = Selection {
            symbols: vec!["btcusdt".into(), "NOPE".into(), "XBT/USD".into()],
            venues: vec!["Binance".into(), "bitmex".into()],
            ..Selection::default()
        };
        // XBT/USD is traded, but only at a venue --venues leaves out.
        assert_eq!(
            sel.unmatched(&cands),
            [
                ("--venues", "bitmex".to_string()),
                ("--symbols", "NOPE".to_string()),
                ("--symbols", "XBT/USD".to_string()),
            ]
        );
        assert!(Selection::default().unmatched(&cands).is_empty());
        assert_eq!(sel.unmatched(&[]).len(), 5);
    }

    #[test]
    fn times_parse_as_iso_or_epoch_ms() {
        assert_eq!(
            parse_time("1718841600000").unwrap(),
            1_718_841_600_000_000_000
        );
        assert_eq!(parse_time("2024-06-20").unwrap(), 1_718_841_600_000_000_000);
        assert_eq!(
            parse_time("2024-06-20T00:00:10Z").unwrap(),
            1_718_841_610_000_000_000
        );
        assert!(parse_time("yesterday").is_err());
    }
}
