//! The `ptpip` command-line tool.
//!
//! Only `--help` and `--version` exist so far; the commands, config file, server mode and built-in
//! camera come with the CLI issue.

use clap::Parser;

/// PTP/IP for Wi-Fi cameras.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("ptpip: no commands are implemented yet; see README.md");
    std::process::exit(1);
}
