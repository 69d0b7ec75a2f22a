//! `tapebar inspect`: what each capture holds, before a long run.
//!
//! Every line is read and decoded as `aggregate` reads it (envelopes, binary frames,
//! connection URLs for venue names), but nothing is deduplicated or left out: the counts
//! are of what was received. Inputs are read one per worker thread.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::capture::envelope::{self, Line};
use crate::capture::{self, Compression, Input, Opened};
use crate::cli::{InspectArgs, InspectFormat};
use crate::flatjson::{read_message, AnyVal, Flat};
use crate::json::Tape;
use crate::report::Reasons;
use crate::time::format_iso;
use crate::trade::Trade;
use crate::venue::{self, Channels, Ctx, Decoded, Out};

/// What one input holds.
#[derive(Debug, Default)]
pub struct Inspection {
    pub display: String,
    pub compression: Option<Compression>,
    pub error: Option<String>,
    pub lines: u64,
    /// Lines per recorder format.
    pub envelopes: BTreeMap<&'static str, u64>,
    pub recorder_lines: u64,
    pub disconnects: u64,
    pub messages: u64,
    /// venue -> messages of that venue
    pub venues: BTreeMap<&'static str, u64>,
    /// (venue, symbol) -> trades as decoded (copies included)
    pub symbols: BTreeMap<(&'static str, String), u64>,
    /// (venue, message kind) -> messages
    pub kinds: BTreeMap<(&'static str, String), u64>,
    pub trades: u64,
    pub first_receive: Option<i64>,
    pub last_receive: Option<i64>,
    pub first_trade: Option<i64>,
    pub last_trade: Option<i64>,
    pub malformed: Reasons,
    pub unrecognised: u64,
}

#[derive(Default)]
struct Buf<'a> {
    trades: Vec<Trade<'a>>,
}

impl<'a> Out<'a> for Buf<'a> {
    fn trade(&mut self, t: Trade<'a>) {
        self.trades.push(t);
    }
    fn skip(&mut self, _reason: &'static str) {}
}

fn min_opt(a: Option<i64>, b: i64) -> Option<i64> {
    Some(a.map_or(b, |a| a.min(b)))
}

fn max_opt(a: Option<i64>, b: i64) -> Option<i64> {
    Some(a.map_or(b, |a| a.max(b)))
}

impl Inspection {
    fn line(&mut self, line: &[u8], conn: &mut ConnState, scratch: &mut Scratch) {
        self.lines += 1;
        let line_no = self.lines;
        let (recv, payload, env) = match envelope::parse_line(line) {
            Err(e) => {
                self.malformed.add(Cow::Owned(e.to_string()), 1, line_no);
                return;
            }
            Ok(Line::Blank) => {
                self.disconnects += 1;
                conn.channels.clear();
                return;
            }
            Ok(Line::Connect { url: u, time }) => {
                conn.url = Some(u.to_string());
                conn.channels.clear();
                *self.envelopes.entry("cryptofeed recording").or_insert(0) += 1;
                self.recorder_lines += 1;
                self.first_receive = min_opt(self.first_receive, time);
                return;
            }
            Ok(Line::Ignored) => {
                self.recorder_lines += 1;
                return;
            }
            Ok(Line::Message {
                recv,
                payload,
                envelope,
            }) => (recv, payload, envelope),
        };
        self.messages += 1;
        let payload = if envelope::is_binary_frame(payload) {
            match envelope::read_binary_frame(payload, &mut scratch.frame) {
                Ok(()) => &scratch.frame[..],
                Err(e) => {
                    self.malformed.add(Cow::Owned(e.to_string()), 1, line_no);
                    return;
                }
            }
        } else {
            payload
        };
        let root = match read_message(payload, &mut scratch.flat, &mut scratch.tape) {
            Ok(r) => r,
            Err(e) => {
                self.malformed.add(Cow::Owned(e.to_string()), 1, line_no);
                return;
            }
        };
        let wrapped = match root {
            AnyVal::Tape(_) => envelope::unwrap_json(root),
            AnyVal::Flat(_) => None,
        };
        let (msg, recv, env) = match wrapped {
            Some((inner, r)) => (inner, r.or(recv), envelope::Envelope::JsonWrapper),
            None => (root, recv, env),
        };
        *self.envelopes.entry(env.name()).or_insert(0) += 1;
        if let Some(r) = recv {
            self.first_receive = min_opt(self.first_receive, r);
            self.last_receive = max_opt(self.last_receive, r);
        }
        let ctx = Ctx {
            url: conn.url.as_deref(),
            channels: (!conn.channels.is_empty()).then_some(&conn.channels),
        };
        let mut buf = Buf::default();
        let decoded = match msg {
            AnyVal::Flat(v) => venue::decode(v, &ctx, &mut buf),
            AnyVal::Tape(v) => venue::decode(v, &ctx, &mut buf),
        };
        match decoded {
            Err(e) => self.malformed.add(Cow::Owned(e.to_string()), 1, line_no),
            Ok(Decoded::NotMine) => self.unrecognised += 1,
            Ok(Decoded::Other { venue, kind }) => {
                *self.venues.entry(venue).or_insert(0) += 1;
                self.count_kind(venue, &kind);
            }
            Ok(Decoded::Channel {
                venue, id, channel, ..
            }) => {
                *self.venues.entry(venue).or_insert(0) += 1;
                self.count_kind(
                    venue,
                    if channel.is_some() {
                        "channel opened"
                    } else {
                        "channel closed"
                    },
                );
                match channel {
                    Some(c) => {
                        conn.channels.insert(id, c);
                    }
                    None => {
                        conn.channels.remove(&id);
                    }
                }
            }
            Ok(Decoded::Trades { venue }) => {
                *self.venues.entry(venue).or_insert(0) += 1;
                let stream = buf.trades.first().map_or(0, |t| t.stream);
                self.count_kind(venue, venue::stream_label(venue, stream));
                for t in &buf.trades {
                    self.trades += 1;
                    self.first_trade = min_opt(self.first_trade, t.time);
                    self.last_trade = max_opt(self.last_trade, t.time);
                    match self.symbols.get_mut(&(t.venue, t.symbol.to_string())) {
                        Some(n) => *n += 1,
                        None => {
                            self.symbols.insert((t.venue, t.symbol.to_string()), 1);
                        }
                    }
                }
            }
        }
    }

    fn count_kind(&mut self, venue: &'static str, kind: &str) {
        *self.kinds.entry((venue, kind.to_string())).or_insert(0) += 1;
    }
}

/// What the lines of a connection tell about the ones after them.
#[derive(Default)]
struct ConnState {
    url: Option<String>,
    /// Channels announced on the connection (Bitfinex), as the engine keeps them.
    channels: Channels,
}

#[derive(Default)]
struct Scratch {
    flat: Flat,
    tape: Tape,
    frame: Vec<u8>,
}

/// Read one input to its end.
pub fn inspect(input: &Input) -> Inspection {
    let mut ins = Inspection {
        display: input.display(),
        ..Inspection::default()
    };
    let (comp, opened) = match capture::open(input, Arc::new(AtomicU64::new(0))) {
        Ok(o) => o,
        Err(e) => {
            ins.error = Some(format!("cannot open: {}", capture::io_message(&e)));
            return ins;
        }
    };
    ins.compression = Some(comp);
    let mut conn = ConnState::default();
    let mut scratch = Scratch {
        flat: Flat::new(),
        tape: Tape::new(),
        frame: Vec::new(),
    };
    let mut each = |bytes: &[u8], ins: &mut Inspection| {
        let mut pos = 0;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            ins.line(&bytes[pos..end], &mut conn, &mut scratch);
            pos = end + 1;
        }
    };
    match opened {
        Opened::Mapped(map) => {
            let mut pos = 0;
            while let Some(c) = capture::next_mapped_chunk(&map, pos) {
                // Past the chunk and the overlong line that may follow it.
                pos = c.next_offset() as usize;
                each(c.bytes.as_slice(), &mut ins);
                overlong(&c, &mut ins);
            }
            // A file truncated while mapped reads as zeros past the cut (capture/mapped.rs).
            if map.faulted() {
                ins.error = Some("truncated by another process while being read".into());
            }
        }
        Opened::Stream(r) => {
            for c in capture::stream_chunks(r) {
                match c {
                    Ok(c) => {
                        each(c.bytes.as_slice(), &mut ins);
                        overlong(&c, &mut ins);
                    }
                    Err(e) => {
                        ins.error = Some(format!("read error: {}", capture::io_message(&e)));
                        break;
                    }
                }
            }
        }
    }
    ins
}

/// A line too long to read follows the chunk: count it where it stands.
fn overlong(c: &capture::Chunk, ins: &mut Inspection) {
    if c.overlong_lines > 0 {
        ins.malformed.add(
            Cow::Borrowed(capture::OVERLONG_LINE),
            c.overlong_lines,
            ins.lines + 1,
        );
        ins.lines += c.overlong_lines;
    }
}

/// Run the subcommand; returns the process exit code.
pub fn run(args: InspectArgs) -> Result<i32> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0) as usize)
        .build()
        .context("cannot start worker threads")?;
    let (inputs, input_errors) = capture::expand_inputs(&args.inputs);
    let mut failed = false;
    for e in &input_errors {
        crate::say!("tapebar: error: `{}`: {}", e.input, e.error);
        failed = true;
    }
    if inputs.is_empty() {
        bail!("no input to read");
    }
    let all: Vec<Inspection> = pool.install(|| inputs.par_iter().map(inspect).collect());
    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    let res = match args.format {
        InspectFormat::Json => {
            let v = Value::Array(all.iter().map(|i| Value::Object(to_json(i))).collect());
            let mut root = Map::new();
            root.insert("inputs".into(), v);
            // `io::Error::from` keeps the kind of a write error (a closed pipe is quiet).
            serde_json::to_writer_pretty(&mut w, &Value::Object(root))
                .map_err(io::Error::from)
                .and_then(|_| writeln!(w))
        }
        InspectFormat::Table => all.iter().try_for_each(|i| write_text(&mut w, i)),
    }
    .and_then(|_| w.flush());
    match res {
        // A reader that stopped early (`| head`) is not an error; an input that could not
        // be read below still is.
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).context("cannot write to stdout"),
    }
    for i in &all {
        if let Some(e) = &i.error {
            crate::say!("tapebar: error: `{}`: {e}", i.display);
            failed = true;
        }
    }
    Ok(if failed { 1 } else { 0 })
}

fn time_value(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| format_iso(t).into())
}

pub fn to_json(i: &Inspection) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("input".into(), i.display.clone().into());
    m.insert(
        "compression".into(),
        i.compression.map_or(Value::Null, |c| c.name().into()),
    );
    if let Some(e) = &i.error {
        m.insert("error".into(), e.clone().into());
    }
    m.insert("lines".into(), i.lines.into());
    let envs: Map<String, Value> = i
        .envelopes
        .iter()
        .map(|(k, v)| (k.to_string(), (*v).into()))
        .collect();
    m.insert("envelopes".into(), Value::Object(envs));
    m.insert("messages".into(), i.messages.into());
    m.insert("recorder_lines".into(), i.recorder_lines.into());
    m.insert("disconnects".into(), i.disconnects.into());
    m.insert("trades".into(), i.trades.into());
    let venues: Map<String, Value> = i
        .venues
        .iter()
        .map(|(k, v)| (k.to_string(), (*v).into()))
        .collect();
    m.insert("venues".into(), Value::Object(venues));
    let symbols: Vec<Value> = i
        .symbols
        .iter()
        .map(|((venue, symbol), n)| {
            let mut o = Map::new();
            o.insert("venue".into(), (*venue).into());
            o.insert("symbol".into(), symbol.clone().into());
            o.insert("trades".into(), (*n).into());
            Value::Object(o)
        })
        .collect();
    m.insert("symbols".into(), Value::Array(symbols));
    let kinds: Vec<Value> = i
        .kinds
        .iter()
        .map(|((venue, kind), n)| {
            let mut o = Map::new();
            o.insert("venue".into(), (*venue).into());
            o.insert("kind".into(), kind.clone().into());
            o.insert("messages".into(), (*n).into());
            Value::Object(o)
        })
        .collect();
    m.insert("kinds".into(), Value::Array(kinds));
    m.insert("unrecognised".into(), i.unrecognised.into());
    m.insert("first_receive".into(), time_value(i.first_receive));
    m.insert("last_receive".into(), time_value(i.last_receive));
    m.insert("first_trade".into(), time_value(i.first_trade));
    m.insert("last_trade".into(), time_value(i.last_trade));
    m.insert("malformed".into(), i.malformed.total().into());
    let reasons: Vec<Value> = i
        .malformed
        .0
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("reason".into(), r.text.to_string().into());
            o.insert("count".into(), r.count.into());
            o.insert(
                "first_line".into(),
                if r.first_line > 0 {
                    r.first_line.into()
                } else {
                    Value::Null
                },
            );
            Value::Object(o)
        })
        .collect();
    m.insert("malformed_reasons".into(), Value::Array(reasons));
    m
}

fn write_text(w: &mut dyn Write, i: &Inspection) -> io::Result<()> {
    let t = |v: Option<i64>| v.map_or("-".to_string(), format_iso);
    writeln!(w, "{}", i.display)?;
    if let Some(e) = &i.error {
        writeln!(w, "  error          {e}")?;
    }
    writeln!(
        w,
        "  compression    {}",
        i.compression.map_or("-", |c| c.name())
    )?;
    let envs: Vec<String> = i
        .envelopes
        .iter()
        .map(|(k, v)| format!("{k} ({v})"))
        .collect();
    writeln!(
        w,
        "  envelope       {}",
        if envs.is_empty() {
            "-".into()
        } else {
            envs.join(", ")
        }
    )?;
    writeln!(
        w,
        "  lines          {} ({} messages, {} recorder lines, {} disconnect markers)",
        i.lines, i.messages, i.recorder_lines, i.disconnects
    )?;
    let venues: Vec<String> = i.venues.iter().map(|(k, v)| format!("{k} ({v})")).collect();
    writeln!(
        w,
        "  venues         {}",
        if venues.is_empty() {
            "-".into()
        } else {
            venues.join(", ")
        }
    )?;
    writeln!(
        w,
        "  receive times  {} .. {}",
        t(i.first_receive),
        t(i.last_receive)
    )?;
    writeln!(
        w,
        "  trade times    {} .. {}",
        t(i.first_trade),
        t(i.last_trade)
    )?;
    writeln!(w, "  unrecognised   {}", i.unrecognised)?;
    writeln!(w, "  malformed      {}", i.malformed.total())?;
    for r in &i.malformed.0 {
        if r.first_line > 0 {
            writeln!(
                w,
                "    {}: {}, first at line {}",
                r.text, r.count, r.first_line
            )?;
        } else {
            writeln!(w, "    {}: {}", r.text, r.count)?;
        }
    }
    writeln!(w, "  message kinds")?;
    let width = i
        .kinds
        .keys()
        .map(|(v, k)| v.len() + k.len() + 1)
        .max()
        .unwrap_or(0);
    for ((venue, kind), n) in &i.kinds {
        let name = format!("{venue} {kind}");
        writeln!(w, "    {name:<width$}  {n:>12}")?;
    }
    writeln!(w, "  symbols ({}, {} trades)", i.symbols.len(), i.trades)?;
    let width = i
        .symbols
        .keys()
        .map(|(v, s)| v.len() + s.len() + 1)
        .max()
        .unwrap_or(0);
    for ((venue, symbol), n) in &i.symbols {
        let name = format!("{venue} {symbol}");
        writeln!(w, "    {name:<width$}  {n:>12}")?;
    }
    writeln!(w)
}
