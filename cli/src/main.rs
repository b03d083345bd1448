//! The `ptpip` command-line tool.

mod camera;
mod relay;

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
