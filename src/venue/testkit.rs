//! Test support shared by the venue decoders' unit tests.

/// Defines, inside a venue's `tests` module, `Collect` (the owned trades and skips a decoder
/// put out), `owned` (a `Decoded` that outlives its message) and `both(line, url)`: decode a
/// valid JSON line with the venue's `decode` on the tape, on serde_json's tree and, where it
/// reads the line, on the flat reader; assert that all agree; return the answer.
/// `both_in(line, ctx)` does the same with a whole [`crate::venue::Ctx`].
macro_rules! decoder_test_kit {
    () => {
        #[derive(Default)]
        struct Collect {
            trades: Vec<crate::trade::Trade<'static>>,
            skips: Vec<&'static str>,
        }

        impl<'a> crate::venue::Out<'a> for Collect {
            fn trade(&mut self, t: crate::trade::Trade<'a>) {
                self.trades.push(crate::trade::Trade {
                    symbol: std::borrow::Cow::Owned(t.symbol.into_owned()),
                    id: t.id.into_owned(),
                    ..t
                });
            }
            fn skip(&mut self, reason: &'static str) {
                self.skips.push(reason);
            }
        }

        #[allow(dead_code)]
        fn owned(d: crate::venue::Decoded<'_>) -> crate::venue::Decoded<'static> {
            use crate::venue::Decoded;
            match d {
                Decoded::NotMine => Decoded::NotMine,
                Decoded::Trades { venue } => Decoded::Trades { venue },
                Decoded::Other { venue, kind } => Decoded::Other {
                    venue,
                    kind: std::borrow::Cow::Owned(kind.into_owned()),
                },
                Decoded::Channel { venue, id, channel } => Decoded::Channel { venue, id, channel },
            }
        }

        fn both(
            line: &str,
            url: Option<&str>,
        ) -> (
            Result<crate::venue::Decoded<'static>, crate::venue::DecodeError>,
            Collect,
        ) {
            both_in(
                line,
                &crate::venue::Ctx {
                    url,
                    channels: None,
                },
            )
        }

        /// `both` with a whole context (a connection's channels).
        fn both_in(
            line: &str,
            ctx: &crate::venue::Ctx,
        ) -> (
            Result<crate::venue::Decoded<'static>, crate::venue::DecodeError>,
            Collect,
        ) {
            let ctx = *ctx;
            let mut tape = crate::json::Tape::new();
            let mut fast = Collect::default();
            let r1 = match tape.parse(line.as_bytes()) {
                Ok(v) => super::decode(v, &ctx, &mut fast).map(owned),
                Err(e) => panic!("bad test json {e}: {line}"),
            };
            let reference = crate::json::parse_reference(line.as_bytes()).unwrap();
            let mut slow = Collect::default();
            let r2 = super::decode(&reference, &ctx, &mut slow).map(owned);
            assert_eq!(r1, r2, "tape and serde disagree on {line}");
            assert_eq!(fast.trades, slow.trades);
            assert_eq!(fast.skips, slow.skips);
            let mut flat = crate::flatjson::Flat::new();
            if let Some(v) = flat.parse(line.as_bytes()) {
                let mut c = Collect::default();
                assert_eq!(
                    super::decode(v, &ctx, &mut c).map(owned),
                    r1,
                    "flat view on {line}"
                );
                assert_eq!(c.trades, fast.trades);
            }
            (r1, fast)
        }
    };
}

pub(crate) use decoder_test_kit;
