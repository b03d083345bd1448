//! The interactive shell (`-i`): one command per line. On a terminal it has line editing,
//! history (kept in the user's data directory, `~/.local/share/ptpip/history` on Linux) and
//! completion of command names, property names and labels, through rustyline; from a pipe it
//! reads plain lines and prints no prompt.
//!
//! Ctrl-C while a command runs stops that command (`events`, `liveview`, a download) through the
//! process's interrupt flag ([`commands::interrupted`]) and the shell goes on; Ctrl-C at the
//! prompt clears the line, as in other shells, and Ctrl-D or `quit` ends the shell.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use ptpip_protocol::Dialect;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{FileHistory, History};
use rustyline::validate::Validator;
use rustyline::{Config, Context, Editor, Helper};

use crate::commands::{self, CmdError, Command, Executor, grammar};
use crate::props;
use crate::stdout::{EXIT_BROKEN_PIPE, Stdout};

/// The prompt on a terminal.
const PROMPT: &str = "> ";

/// How many lines the history keeps.
const HISTORY_SIZE: usize = 1000;

/// What a line did.
enum Step {
    /// Go on with the next line.
    Next,
    /// `quit`, `exit`.
    Quit,
    /// Nobody reads the output any more.
    BrokenPipe,
}

/// Runs the shell until EOF or `quit`, then closes the session. Returns the exit code: 0, 1 if
/// any command failed, [`EXIT_BROKEN_PIPE`] if the output went away.
pub(crate) fn run(mut exec: Executor, dialect: Dialect) -> i32 {
    let mut shell = Shell {
        out: Stdout::new(),
        failed: false,
        terminal: io::stdin().is_terminal(),
    };
    let step = if shell.terminal {
        shell.edit(&mut exec, dialect)
    } else {
        shell.plain(&mut exec)
    };
    let _ = exec.close();
    match step {
        Step::BrokenPipe => EXIT_BROKEN_PIPE,
        _ => i32::from(shell.failed),
    }
}

/// The shell's state between lines.
struct Shell {
    out: Stdout,
    failed: bool,
    /// Standard input is a terminal: a person types.
    terminal: bool,
}

impl Shell {
    /// Lines from a pipe or file.
    fn plain(&mut self, exec: &mut Executor) -> Step {
        let stdin = io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.lock().read_line(&mut line) {
                Ok(0) | Err(_) => return Step::Next,
                Ok(_) => {}
            }
            match self.line(exec, &line) {
                Step::Next => {}
                other => return other,
            }
        }
    }

    /// Lines typed on a terminal, with editing, history and completion.
    fn edit(&mut self, exec: &mut Executor, dialect: Dialect) -> Step {
        let config = Config::builder()
            .max_history_size(HISTORY_SIZE)
            .and_then(|b| b.history_ignore_dups(true))
            .map(|b| b.auto_add_history(false).build());
        let editor = config.and_then(Editor::<ShellHelper, FileHistory>::with_config);
        let mut editor = match editor {
            Ok(e) => e,
            Err(e) => {
                log::warn!("no line editing ({e}); reading plain lines");
                return self.plain(exec);
            }
        };
        editor.set_helper(Some(ShellHelper { dialect }));
        let history = history_path();
        if let Some(path) = &history
            && path.exists()
            && let Err(e) = editor.load_history(path)
        {
            log::warn!("cannot read the history {}: {e}", path.display());
        }
        loop {
            let line = match editor.readline(PROMPT) {
                Ok(line) => line,
                // Ctrl-C at the prompt: a fresh line, as shells do.
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => return Step::Next,
                Err(e) => {
                    eprintln!("shell error: {e}");
                    self.failed = true;
                    return Step::Next;
                }
            };
            // `quit` is not worth recalling.
            if !matches!(line.trim(), "" | "quit" | "exit") {
                let _ = editor.add_history_entry(line.trim());
                if let Some(path) = &history {
                    save_history(editor.history_mut(), path);
                }
            }
            match self.line(exec, &line) {
                Step::Next => {}
                other => return other,
            }
        }
    }

    /// Runs one line.
    fn line(&mut self, exec: &mut Executor, line: &str) -> Step {
        let text = line.trim();
        match text {
            "" => return Step::Next,
            "quit" | "exit" => return Step::Quit,
            _ => {}
        }
        let cmd = match commands::parse_line(text).and_then(|c| {
            commands::check_output(&c)?;
            Ok(c)
        }) {
            Ok(c) => c,
            Err(e) => {
                self.report(text, &e);
                return Step::Next;
            }
        };
        crate::signals::clear();
        if self.terminal && runs_until_stopped(&cmd) {
            eprintln!("(Ctrl-C stops it)");
        }
        let result = exec.execute(&cmd, &mut self.out);
        let _ = self.out.flush();
        let stopped = crate::signals::interrupted();
        crate::signals::clear();
        if self.out.is_broken() {
            return Step::BrokenPipe;
        }
        match result {
            Ok(()) => {}
            Err(e) => self.report(text, &e),
        }
        if stopped && runs_until_stopped(&cmd) {
            eprintln!("(stopped)");
        }
        Step::Next
    }

    /// Prints a command's error as `<cmd> error: <msg>`, as one-shot commands do.
    fn report(&mut self, text: &str, e: &CmdError) {
        let name = text.split_whitespace().next().unwrap_or("ptpip");
        eprintln!("{name} error: {e}");
        self.failed = true;
    }
}

/// Commands that run until Ctrl-C unless given a limit.
fn runs_until_stopped(cmd: &Command) -> bool {
    match cmd {
        Command::Events { count, timeout, .. } => count.is_none() && timeout.is_none(),
        Command::LiveView { frames, .. } => frames.is_none(),
        _ => false,
    }
}

/// The history file: `ptpip/history` in the user's data directory.
fn history_path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("ptpip").join("history"))
}

/// Writes the history after each line, so that it survives however the shell ends.
fn save_history(history: &mut FileHistory, path: &Path) {
    let saved = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .map_err(ReadlineError::from)
        .and_then(|()| {
            if path.exists() {
                history.append(path)
            } else {
                history.save(path)
            }
        });
    if let Err(e) = saved {
        log::warn!("cannot save the history to {}: {e}", path.display());
    }
}

/// Completion for the shell's editor.
struct ShellHelper {
    dialect: Dialect,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or(line);
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (done, word) = before.split_at(start);
        let words: Vec<&str> = done.split_whitespace().collect();
        let lower = word.to_ascii_lowercase();
        let pairs = candidates(&words, self.dialect)
            .into_iter()
            .filter(|c| c.to_ascii_lowercase().starts_with(&lower))
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// What may come after `words` (the words before the cursor's).
fn candidates(words: &[&str], dialect: Dialect) -> Vec<String> {
    let Some(first) = words.first() else {
        let mut all = grammar::spellings();
        all.extend(["quit".to_owned(), "exit".to_owned()]);
        return all;
    };
    let name = grammar::canonical(first).unwrap_or_default();
    let owned = |v: &[&str]| v.iter().map(|&s| s.to_owned()).collect();
    match (name.as_str(), words.len()) {
        ("help", 1) => grammar::docs().into_iter().map(|s| s.name).collect(),
        ("get" | "set" | "describe", 1) => owned(&props::names(dialect)),
        ("set", 2) => props::resolve(words[1], dialect)
            .map(|code| owned(&props::labels(code, dialect)))
            .unwrap_or_default(),
        ("get" | "describe", _) | ("info" | "state" | "ls", _) => owned(&["json", "pretty"]),
        ("events", _) => owned(&["--count", "--timeout", "json"]),
        ("liveview", _) => owned(&["-", "--frames"]),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(words: &[&str], dialect: Dialect) -> Vec<String> {
        candidates(words, dialect)
    }

    #[test]
    fn completion_offers_commands_properties_and_labels() {
        let first = complete(&[], Dialect::Generic);
        for c in ["info", "get", "set", "events", "snap", "quit"] {
            assert!(first.iter().any(|x| x == c), "{c}: {first:?}");
        }
        let fuji = complete(&["set"], Dialect::Fuji);
        assert!(fuji.iter().any(|x| x == "recmode"), "{fuji:?}");
        assert!(
            !complete(&["get"], Dialect::Generic)
                .iter()
                .any(|x| x == "recmode")
        );
        let labels = complete(&["set", "effect"], Dialect::Fuji);
        assert!(labels.iter().any(|x| x == "Velvia"), "{labels:?}");
        assert_eq!(complete(&["get", "iso"], Dialect::Fuji), ["json", "pretty"]);
        assert!(complete(&["opreq"], Dialect::Fuji).is_empty());
        assert!(
            complete(&["help"], Dialect::Fuji)
                .iter()
                .any(|x| x == "liveview")
        );
    }
}
