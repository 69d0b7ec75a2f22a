//! One module per subcommand: arguments in, work done, exit code out.

pub mod aggregate;
pub mod inspect;
pub mod stats;
