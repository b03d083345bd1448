//! `--json` before a command: which commands print data, and so take it.

use super::{CmdError, Command};
use crate::output::Format;

/// `--json` before a command: the command's JSON form, or a usage error for a command that
/// prints no data (set, opreq, capture, download, liveview, help).
pub(crate) fn apply_json(cmd: &mut Command) -> Result<(), CmdError> {
    match cmd {
        Command::Info(f)
        | Command::State(f)
        | Command::Ls(f, _)
        | Command::Describe(_, f)
        | Command::Props(f)
        | Command::Get(_, f) => {
            if *f == Format::Text {
                *f = Format::Json;
            }
            Ok(())
        }
        Command::Events { format, .. } => {
            *format = Format::Json;
            Ok(())
        }
        _ => Err(CmdError::Usage(format!(
            "--json does not apply to {}: it applies to {JSON_COMMANDS}",
            command_name(cmd)
        ))),
    }
}

/// The commands `--json` applies to, for messages and help.
pub(crate) const JSON_COMMANDS: &str = "info, state, describe, get, props, ls and events";

/// The name of a command, for messages.
pub(crate) fn command_name(cmd: &Command) -> &'static str {
    match cmd {
        Command::Info(_) => "info",
        Command::State(_) => "state",
        Command::Describe(..) => "describe",
        Command::Props(_) => "props",
        Command::Get(..) => "get",
        Command::Set(..) => "set",
        Command::OpReq { .. } => "opreq",
        Command::Ls(..) => "ls",
        Command::Download { .. } => "download",
        Command::Upload { .. } => "upload",
        Command::Delete(..) => "delete",
        Command::Mkdir(_) => "mkdir",
        Command::Thumb(..) => "thumb",
        Command::Capture(..) => "capture",
        Command::Tether { .. } => "tether",
        Command::Events { .. } => "events",
        Command::LiveView { .. } => "liveview",
        Command::Fuji(c) => c.name(),
        Command::Help(_) => "help",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::parse_line as p;

    #[test]
    fn json_applies_to_the_commands_that_print_data() {
        for (line, want) in [
            ("info", "info json"),
            ("state pretty", "state pretty"),
            ("describe iso", "describe iso json"),
            ("get iso", "get iso json"),
            ("props", "props json"),
            ("ls", "ls json"),
            ("events --count 1", "events --count 1 json"),
        ] {
            let mut cmd = p(line).unwrap();
            apply_json(&mut cmd).unwrap();
            assert_eq!(cmd, p(want).unwrap(), "{line}");
        }
        for line in [
            "set iso 400",
            "opreq 1001",
            "capture",
            "download",
            "liveview -",
            "help",
        ] {
            let mut cmd = p(line).unwrap();
            match apply_json(&mut cmd) {
                Err(CmdError::Usage(m)) => {
                    assert!(m.contains("--json does not apply to"), "{line}: {m}");
                    assert!(m.contains(JSON_COMMANDS), "{line}: {m}");
                }
                other => panic!("{line}: {other:?}"),
            }
        }
    }
}
