//! `venue::bitcom::decode` on arbitrary messages: no panic, tape and serde_json agree.
#![no_main]
tapebar_fuzz::venue_target!("bitcom");
