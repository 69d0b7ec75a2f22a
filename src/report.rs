//! Per-input counters and the summary line users read at the end of a run.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Counts of one reason, with where it first happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub text: Cow<'static, str>,
    pub count: u64,
    /// 1-based line number of the first occurrence (0: not tied to a line).
    pub first_line: u64,
}

/// A small list of reasons (a run sees few distinct ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reasons(pub Vec<Reason>);

impl Reasons {
    /// Count `n` more of `text`, first seen at `line` if it is new.
    pub fn add(&mut self, text: Cow<'static, str>, n: u64, line: u64) {
        if n == 0 {
            return;
        }
        if let Some(r) = self.0.iter_mut().find(|r| r.text == text) {
            r.count += n;
            if r.first_line == 0 || (line != 0 && line < r.first_line) {
                r.first_line = line;
            }
            return;
        }
        self.0.push(Reason {
            text,
            count: n,
            first_line: line,
        });
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|r| r.count).sum()
    }

    /// Merge counts whose line numbers are relative to a chunk starting after `line_base` lines.
    pub fn absorb(&mut self, other: &Reasons, line_base: u64) {
        for r in &other.0 {
            let line = if r.first_line == 0 {
                0
            } else {
                r.first_line + line_base
            };
            self.add(r.text.clone(), r.count, line);
        }
    }

    pub fn first(&self) -> Option<&Reason> {
        self.0
            .iter()
            .filter(|r| r.first_line > 0)
            .min_by_key(|r| r.first_line)
    }
}

/// What happened to the lines of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub lines: u64,
    /// Received exchange messages.
    pub messages: u64,
    /// Trades that made it into bars (after dedup and every skip).
    pub trades: u64,
    pub duplicates: u64,
    /// Valid messages of known venues that hold no trades (books, tickers, acks).
    pub non_trade: u64,
    /// Recorder lines that carry no received message (client frames, REST, config).
    pub recorder_lines: u64,
    /// Trades deliberately left out, by reason.
    pub skipped: Reasons,
    /// Lines that cannot be read, by reason.
    pub malformed: Reasons,
    /// Valid JSON messages no venue decoder recognises.
    pub unrecognised: Reasons,
}

impl Counts {
    pub fn absorb(&mut self, o: &Counts, line_base: u64) {
        self.lines += o.lines;
        self.messages += o.messages;
        self.trades += o.trades;
        self.duplicates += o.duplicates;
        self.non_trade += o.non_trade;
        self.recorder_lines += o.recorder_lines;
        self.skipped.absorb(&o.skipped, line_base);
        self.malformed.absorb(&o.malformed, line_base);
        self.unrecognised.absorb(&o.unrecognised, line_base);
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn reasons_text(out: &mut String, what: &str, input: &str, r: &Reasons) {
    if r.total() == 0 {
        return;
    }
    let _ = write!(out, ", {} {what} (", thousands(r.total()));
    for (i, reason) in r.0.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "{}: {}", reason.text, thousands(reason.count));
        if reason.first_line > 0 {
            let _ = write!(out, ", first at {input}:{}", reason.first_line);
        }
    }
    out.push(')');
}

/// `cap.jsonl: 5,936,528 messages, 5,820,053 trades, 116,475 duplicates, 0 skipped, 0 malformed`
pub fn summary_line(input: &str, c: &Counts) -> String {
    let mut s = format!(
        "{input}: {} messages, {} trades, {} duplicates",
        thousands(c.messages),
        thousands(c.trades),
        thousands(c.duplicates)
    );
    if c.skipped.total() == 0 {
        s.push_str(", 0 skipped");
    }
    reasons_text(&mut s, "skipped", input, &c.skipped);
    if c.malformed.total() == 0 {
        s.push_str(", 0 malformed");
    }
    reasons_text(&mut s, "malformed", input, &c.malformed);
    reasons_text(&mut s, "unrecognised", input, &c.unrecognised);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_first_locations() {
        let mut c = Counts {
            messages: 1234567,
            trades: 1000,
            duplicates: 3,
            ..Counts::default()
        };
        let mut chunk = Reasons::default();
        chunk.add("invalid JSON".into(), 2, 5);
        c.malformed.absorb(&chunk, 100);
        c.malformed.add("invalid JSON".into(), 1, 50);
        assert_eq!(
            summary_line("a.jsonl", &c),
            "a.jsonl: 1,234,567 messages, 1,000 trades, 3 duplicates, 0 skipped, 3 malformed (invalid JSON: 3, first at a.jsonl:50)"
        );
    }
}
