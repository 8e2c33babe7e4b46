//! quire's entry point: parse arguments, run the command, exit with its status.
//! Exit status: 0 success, 1 invalid input, 2 usage or internal error.

use clap::Parser;
use quire::cli::{Cli, Command};
use quire::cmd;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                cmd::exit(cmd::INTERNAL)
            } else {
                cmd::exit(cmd::OK)
            };
        }
    };
    match &cli.command {
        Command::Build(args) => cmd::build::run(&cli.global, args),
        Command::Check(args) => cmd::check::run(&cli.global, args),
        Command::Lock(args) => cmd::lock::run(&cli.global, args),
        Command::Verify(args) => cmd::verify::run(&cli.global, args),
        Command::Pack(args) => cmd::pack::run(&cli.global, args),
        Command::New(args) => cmd::new::run(&cli.global, args),
        Command::Layouts(args) => cmd::layouts::run(&cli.global, args),
        Command::Watch(args) => cmd::watch::run(&cli.global, args, None),
        Command::Serve(args) => cmd::serve::run(&cli.global, args),
        Command::Schema(args) => cmd::schema::run(&cli.global, args),
    }
}
