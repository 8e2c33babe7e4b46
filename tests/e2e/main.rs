//! End-to-end tests: the real binary on fixture projects (see harness.rs).

mod harness;

mod app;
mod archive;
mod attack;
mod build;
mod diagnostics;
mod html;
mod integrity;
mod kpis;
mod layout;
mod meaning;
mod pack;
mod risk;
mod safety;
mod scaffold;
mod schema;
mod tables;
mod templates;
mod valve;
mod watch;
