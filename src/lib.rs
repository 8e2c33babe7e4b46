//! quire: committee papers and statutory returns from validated YAML and Markdown,
//! typeset by an embedded Typst.
//!
//! The pipeline runs one way, one module per stage (see ARCHITECTURE.md):
//! [`project`] (discover) → [`load`] → [`validate`] (into [`model`]) → [`render`]
//! → [`typeset`] → [`write`]. [`pipeline`] strings them together for one
//! document; [`cmd`] holds one module per subcommand.

// Diagnostics are rich values (spans, labels, help) returned by value on the
// error path, which is cold; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod cmd;
pub mod diag;
pub mod load;
pub mod lock;
pub mod manifest;
pub mod model;
pub mod pipeline;
pub mod project;
pub mod render;
pub mod source;
pub mod tables;
pub mod typeset;
pub mod validate;
pub mod write;
