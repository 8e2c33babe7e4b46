//! End-to-end tests: the real binary on fixture projects (see harness.rs).

mod harness;

mod app;
mod archive;
mod attack;
mod build;
mod changes;
mod diagnostics;
mod docx;
mod figures;
mod goldens;
mod html;
mod integrity;
mod kpis;
mod layers;
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
mod workbooks;
mod year;
