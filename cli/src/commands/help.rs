//! Help texts: every command, one command, the property names and labels of the chosen vendor,
//! and the binary's own subcommands (`camera`, `completions`), whose help clap renders.

use std::fmt::Write as _;

use clap::CommandFactory;
use ptpip_protocol::Dialect;
use ptpip_protocol::ptp::codes::{DevicePropCode, DevicePropCode as P};

use super::CmdError;
use super::grammar;
use crate::args::Cli;
use crate::props;

/// The subcommands of the binary that are not camera commands (run as `ptpip NAME`).
const LOCAL: &[&str] = &["camera", "completions"];

/// The commands whose help lists the properties.
const WITH_PROPERTIES: &[&str] = &["get", "set", "describe"];

/// Where the label lists wrap.
const WIDTH: usize = 96;

/// The help text: every command, or one (`dialect` picks the property names and labels shown).
pub(crate) fn help_text(topic: Option<&str>, dialect: Dialect) -> Result<String, CmdError> {
    let Some(topic) = topic else {
        return Ok(overview());
    };
    if let Some(text) = local_help(topic) {
        return Ok(text);
    }
    let s =
        grammar::doc(topic).ok_or_else(|| CmdError::Failed(format!("Unknown command {topic}!")))?;
    let mut out = format!("{}\n\n{}\n", s.usage, s.about);
    if !s.aliases.is_empty() {
        let _ = writeln!(out, "Aliases: {}", s.aliases.join(", "));
    }
    if !s.details.is_empty() {
        let _ = write!(out, "\n{}\n", s.details);
    }
    if WITH_PROPERTIES.contains(&s.name.as_str()) {
        out.push('\n');
        out.push_str(&properties(dialect));
    }
    Ok(out)
}

/// Every command, then the binary's own subcommands.
fn overview() -> String {
    let mut out = String::from("\nSupported commands:\n\n");
    for s in grammar::docs() {
        let head = format!("{} {}", s.name, s.args());
        let _ = writeln!(out, "  {:<36} {}", head.trim_end(), s.about);
    }
    out.push_str("\nFrom the command line only (ptpip COMMAND):\n\n");
    let cli = Cli::command();
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        if LOCAL.contains(&name) {
            let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
            let _ = writeln!(out, "  {name:<36} {about}");
        }
    }
    out.push_str(
        "\nIn server mode (-s), `status on` ends each reply on that connection with a line\n\
         OK or ERR <message> (`status off` stops it; --status-lines turns it on for all).\n",
    );
    out.push_str("\nProperty names, values and more: help COMMAND\n");
    out
}

/// clap's help of `ptpip camera` or `ptpip completions`.
fn local_help(topic: &str) -> Option<String> {
    let name = LOCAL.iter().find(|n| n.eq_ignore_ascii_case(topic))?;
    let mut cli = Cli::command();
    // Building sets each subcommand's name in its usage line: `ptpip camera [OPTIONS]`.
    cli.build();
    let sub = cli.find_subcommand_mut(name)?;
    Some(sub.render_long_help().to_string())
}

/// The property names of `dialect`, each with its code, spec name and the values it takes.
fn properties(dialect: Dialect) -> String {
    let (vendor, other) = match dialect {
        Dialect::Generic => ("generic cameras", "-t fuji shows Fujifilm's"),
        Dialect::Fuji => ("Fujifilm cameras", "without -t fuji: the standard ones"),
    };
    let mut out = format!(
        "Properties of {vendor} ({other}).\n\
         PROP may also be a hex code (0x5005) or a spec name (WhiteBalance).\n\n"
    );
    let named = props::named(dialect);
    let width = named.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, code) in named {
        let _ = writeln!(
            out,
            "  {name:<width$}  {:#06x}  {}",
            code.0,
            props::prop_name(code)
        );
        let indent = " ".repeat(width + 4);
        for (n, line) in wrap(&values(code, dialect), WIDTH - indent.len() - 8)
            .iter()
            .enumerate()
        {
            // Continuation lines sit under the first value.
            let more = if n == 0 { "" } else { "        " };
            let _ = writeln!(out, "{indent}{more}{line}");
        }
    }
    out
}

/// What `set` takes for `code`: its labels, or how its values are written.
fn values(code: DevicePropCode, dialect: Dialect) -> String {
    let fuji = dialect == Dialect::Fuji;
    let hint = match code {
        P::EXPOSURE_BIAS_COMPENSATION => {
            "in thirds of a stop: 0, +1, -2 1/3, +2/3 (or thousandths: -2333)"
        }
        P::F_NUMBER => "f/2.8, f/5.6… (or hundredths: 280)",
        P::EXPOSURE_TIME => "in 1/10000 s: 40 is 1/250 s",
        P::DATE_TIME => "text: 20250102T030405",
        P::CAPTURE_DELAY if !fuji => "milliseconds, 0 for Off",
        P::FUJI_EXPOSURE_INDEX if fuji => {
            "Auto, S6400 (auto up to 6400), L100 and H12800 (extended), 400"
        }
        P::FUJI_FOCUS_POINT if fuji => "the focus point as XxY: 4x4",
        P::FUJI_CURRENT_STATE if fuji => "the state list (read it with `state`)",
        _ => "",
    };
    if !hint.is_empty() {
        return format!("values: {hint}");
    }
    let labels = props::labels(code, dialect);
    if labels.is_empty() {
        "values: a number (decimal or 0x… hex)".to_owned()
    } else {
        format!("values: {}", labels.join(", "))
    }
}

/// `text` in lines of at most `width` characters, broken after commas.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in text.split_inclusive(", ") {
        if !line.is_empty() && line.len() + piece.trim_end().len() > width {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(piece);
    }
    if !line.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_command_and_the_local_ones() {
        let all = help_text(None, Dialect::Generic).unwrap();
        assert!(all.starts_with("\nSupported commands:\n\n"));
        for s in grammar::docs() {
            assert!(all.contains(&format!("\n  {} ", s.name)), "{}", s.name);
        }
        for name in LOCAL {
            assert!(all.contains(&format!("\n  {name} ")), "{name}");
        }
        assert!(
            help_text(Some("shoot"), Dialect::Generic)
                .unwrap()
                .starts_with("usage: capture [N] [PATH]")
        );
        assert_eq!(
            help_text(Some("nope"), Dialect::Generic),
            Err(CmdError::Failed("Unknown command nope!".into()))
        );
    }

    #[test]
    fn camera_and_completions_have_their_help() {
        let camera = help_text(Some("camera"), Dialect::Generic).unwrap();
        assert!(camera.contains("Usage: ptpip camera"), "{camera}");
        assert!(camera.contains("--vendor <VENDOR>"), "{camera}");
        let completions = help_text(Some("completions"), Dialect::Generic).unwrap();
        assert!(
            completions.contains("Usage: ptpip completions <SHELL>"),
            "{completions}"
        );
        assert!(completions.contains("zsh"), "{completions}");
    }

    #[test]
    fn property_help_follows_the_vendor() {
        let generic = help_text(Some("set"), Dialect::Generic).unwrap();
        assert!(
            generic.contains("Properties of generic cameras"),
            "{generic}"
        );
        assert!(generic.contains("  iso "), "{generic}");
        assert!(generic.contains("0x500f  ExposureIndex"), "{generic}");
        assert!(generic.contains("Daylight"), "{generic}");
        assert!(!generic.contains("recmode"), "{generic}");
        assert!(!generic.contains("Velvia"), "{generic}");
        let fuji = help_text(Some("get"), Dialect::Fuji).unwrap();
        assert!(fuji.contains("Properties of Fujifilm cameras"), "{fuji}");
        assert!(fuji.contains("0xd02a"), "{fuji}");
        assert!(fuji.contains("recmode"), "{fuji}");
        assert!(fuji.contains("Velvia") && fuji.contains("Shade"), "{fuji}");
        assert!(fuji.contains("S6400"), "{fuji}");
        // Lines stay readable.
        assert!(fuji.lines().all(|l| l.chars().count() <= WIDTH), "{fuji}");
        // Other commands do not list them.
        assert!(
            !help_text(Some("ls"), Dialect::Fuji)
                .unwrap()
                .contains("Properties")
        );
    }

    #[test]
    fn wrapping_breaks_after_commas() {
        assert_eq!(wrap("a, b, c", 5), ["a, b,", "c"]);
        assert_eq!(wrap("values: x", 80), ["values: x"]);
    }
}
