//! Running commands on a connected camera.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::ptp::PropValue;
use ptpip_protocol::ptp::codes::{DataTypeCode, DevicePropCode};
use ptpip_protocol::{DeviceEvent, Dialect, Guid, OperationCode};
use ptpip_transport_std::{Calls, CancelToken, ClientError};

use super::fuji::{browse, remote};
use super::{CmdError, Command, FujiCommand, files, help_text, render, stream, usage};
use crate::client::{Client, ClientConfig};
use crate::output::hexdump;
use crate::props;

/// The most bytes of an `opreq` data phase kept for the dump; the rest is counted.
const OPREQ_KEEP: usize = 1 << 20;

/// In server mode, `events` stops after this long unless told otherwise.
pub(crate) const RELAY_EVENTS_TIMEOUT: Duration = Duration::from_secs(10);

/// After Ctrl-C, how long the camera gets to answer the Cancel, and then the CloseSession,
/// before the sockets are shut anyway (the whole stop stays under a second).
const INTERRUPT_GRACE: Duration = Duration::from_millis(400);

/// Makes `client`'s calls stop on Ctrl-C or SIGTERM ([`Client::set_interrupt`]).
fn watch_signals(client: &mut Client) {
    client.set_interrupt(Some(Box::new(crate::signals::interrupted)), INTERRUPT_GRACE);
}

/// The file commands' view of the session: the client, and how to connect again.
struct Session<'a> {
    client: &'a mut Client,
    config: Option<&'a ClientConfig>,
}

impl files::Camera for Session<'_> {
    fn calls(&mut self) -> &mut dyn Calls {
        self.client
    }

    fn reconnect(&mut self) -> Result<(), String> {
        let Some(config) = self.config else {
            return Err("this session cannot connect again".into());
        };
        let mut config = config.clone();
        config.cancel = CancelToken::new();
        // Ctrl-C stops the connect loop too.
        let token = config.cancel.clone();
        let on_interrupt = crate::signals::on_interrupt(move || token.cancel());
        let result = Client::connect(self.client.transport(), config);
        drop(on_interrupt);
        let mut client = result.map_err(|e| e.to_string())?;
        watch_signals(&mut client);
        // The old session is gone; dropping it shuts its sockets.
        *self.client = client;
        Ok(())
    }
}

/// In server mode, `liveview` stops after this many frames unless told otherwise.
const RELAY_LIVEVIEW_FRAMES: u64 = 100;

/// Refuses what the dialect cannot do, before connecting.
pub(crate) fn check_dialect(cmd: &Command, dialect: Dialect) -> Result<(), CmdError> {
    match cmd {
        Command::State(_) if dialect != Dialect::Fuji => Err(CmdError::Failed(
            "command not supported: the state list (0xD212) is Fujifilm-only \
             (use -t fuji for a Fujifilm camera)"
                .into(),
        )),
        Command::LiveView { .. } if dialect != Dialect::Fuji => Err(CmdError::Failed(
            "live view is Fujifilm-only (use -t fuji for a Fujifilm camera)".into(),
        )),
        Command::Fuji(c) if dialect != Dialect::Fuji => Err(CmdError::Failed(format!(
            "{} is Fujifilm-only (use -t fuji for a Fujifilm camera)",
            c.name()
        ))),
        _ => Ok(()),
    }
}

/// A connected camera and what the commands need to know about it.
pub(crate) struct Executor {
    client: Client,
    dialect: Dialect,
    host: String,
    stream_port: u16,
    /// Commands come from the relay: no progress bars, bounded waits.
    relay: bool,
    /// How to connect again when the link drops during a download.
    reconnect: Option<ClientConfig>,
    /// Fujifilm: the movie this session is recording.
    movie: Option<ptpip_protocol::calls::MovieRecording>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("dialect", &self.dialect)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// Commands for `client`, a camera speaking `dialect` at `host`, live view on `stream_port`.
    pub(crate) fn new(
        mut client: Client,
        dialect: Dialect,
        host: String,
        stream_port: u16,
        relay: bool,
    ) -> Self {
        watch_signals(&mut client);
        Self {
            client,
            dialect,
            host,
            stream_port,
            relay,
            reconnect: None,
            movie: None,
        }
    }

    /// Lets downloads connect again with `config` when the link drops (`--retries`).
    pub(crate) fn set_reconnect(&mut self, config: ClientConfig) {
        self.reconnect = Some(config);
    }

    /// The session as the file commands see it.
    fn session(&mut self) -> Session<'_> {
        Session {
            client: &mut self.client,
            config: self.reconnect.as_ref(),
        }
    }

    /// Ends the session gracefully.
    pub(crate) fn close(self) -> Result<(), ClientError> {
        self.client.close()
    }

    /// Whether the session is over (closed, or the camera went away).
    pub(crate) fn is_closed(&self) -> bool {
        self.client.initiator().is_closed()
    }

    /// The GUID this session introduced itself with (a reconnect uses it again).
    pub(crate) fn guid(&self) -> Guid {
        self.client.initiator().config().guid
    }

    /// The next device event, waiting at most `wait` for one.
    pub(crate) fn next_event(
        &mut self,
        wait: Duration,
    ) -> Result<Option<DeviceEvent>, ClientError> {
        self.client.next_event(Some(wait))
    }

    /// Runs a command, writing its output to `out`.
    pub(crate) fn execute(&mut self, cmd: &Command, out: &mut dyn Write) -> Result<(), CmdError> {
        check_dialect(cmd, self.dialect)?;
        self.check_remote_mode(cmd)?;
        self.dispatch(cmd, out)
    }

    /// Fujifilm: refuses what needs remote mode on a camera that did not enter it, saying why.
    fn check_remote_mode(&self, cmd: &Command) -> Result<(), CmdError> {
        let needs_remote = match cmd {
            Command::Capture(..) | Command::LiveView { .. } => true,
            Command::Fuji(c) => c.needs_remote(),
            _ => false,
        };
        match self.client.initiator().remote_mode_unavailable() {
            Some(why) if needs_remote => Err(CmdError::Failed(format!(
                "{why}; capture and live view need remote mode, as do the exposure, focus and \
                 movie commands (on the camera, choose remote shooting rather than image \
                 transfer, or check that the body offers it)"
            ))),
            _ => match cmd {
                Command::Fuji(c) if c.needs_remote() => {
                    remote::check_remote(&self.client, c.name())
                }
                Command::Capture(..) => remote::check_remote(&self.client, "capture"),
                Command::LiveView { .. } => remote::check_remote(&self.client, "liveview"),
                _ => Ok(()),
            },
        }
    }

    fn dispatch(&mut self, cmd: &Command, out: &mut dyn Write) -> Result<(), CmdError> {
        let dialect = self.dialect;
        match cmd {
            Command::Help(topic) => {
                out.write_all(help_text(topic.as_deref(), dialect)?.as_bytes())?;
            }
            Command::Info(format) => {
                let text = if dialect == Dialect::Fuji {
                    let list = self.client.fuji_prop_desc_list()?;
                    render::desc_list(&list.descs, dialect, *format)
                } else {
                    render::device_info(&self.client.device_info()?, *format)
                };
                out.write_all(text.as_bytes())?;
            }
            Command::State(format) => {
                let list = self.client.fuji_state()?;
                let entries: Vec<(DevicePropCode, PropValue)> = list
                    .entries
                    .iter()
                    .map(|e| (e.code, e.prop_value()))
                    .collect();
                out.write_all(render::state(&entries, *format).as_bytes())?;
            }
            Command::Describe(prop, format) => {
                let code = self.resolve(prop, "describe")?;
                let d = self.client.prop_desc(code).map_err(|e| {
                    CmdError::Failed(format!("cannot describe property {:#06x}: {e}", code.0))
                })?;
                out.write_all(render::describe(&d, dialect, *format).as_bytes())?;
            }
            Command::Props(format) => {
                let found = super::props_all::collect(&mut self.client, dialect)?;
                out.write_all(super::props_all::render(&found, dialect, *format).as_bytes())?;
                if let Some(m) = super::props_all::unreadable(&found) {
                    out.flush()?;
                    return Err(CmdError::Failed(m));
                }
            }
            Command::Get(prop, format) => {
                let code = self.resolve(prop, "get")?;
                let value = self.get(code)?;
                out.write_all(render::value(code, &value, dialect, *format).as_bytes())?;
            }
            Command::Set(prop, text) => self.set(prop, text, out)?,
            Command::OpReq { code, params, data } => self.opreq(*code, params, data, out)?,
            Command::Ls(format, long) if dialect == Dialect::Fuji => {
                browse::ls(&mut self.client, *format, *long, out)?;
            }
            Command::Ls(format, long) => files::ls(&mut self.client, *format, *long, out)?,
            Command::Upload { files, folder } => {
                files::upload(&mut self.client, files, folder.as_ref(), !self.relay, out)?;
            }
            Command::Delete(targets, yes) => {
                let can_ask = !self.relay && io::stdin().is_terminal();
                files::delete(&mut self.client, targets, *yes, can_ask, out)?;
            }
            Command::Mkdir(path) => files::mkdir(&mut self.client, path, out)?,
            Command::Thumb(target, dir) if dialect == Dialect::Fuji => {
                browse::thumb(&mut self.client, target, dir, out)?;
            }
            Command::Thumb(target, dir) => files::thumb(&mut self.client, target, dir, out)?,
            Command::Download { target, dir, opts } if dialect == Dialect::Fuji => {
                browse::download(&mut self.client, target, dir.as_deref(), opts, out)?;
            }
            Command::Download { target, dir, opts } => {
                let ctx = files::Context::new(!self.relay, self.host.clone());
                let mut s = self.session();
                files::download(&mut s, target, dir.as_deref(), opts, &ctx, out)?;
            }
            Command::Tether { dir, opts } => {
                if self.relay && opts.exec.is_some() {
                    return Err(CmdError::Failed(
                        "--exec runs commands on this computer: not from server mode".into(),
                    ));
                }
                if self.relay && opts.count.is_none() && opts.timeout.is_none() {
                    return Err(CmdError::Failed(
                        "in server mode tether needs --count N or --timeout SECS".into(),
                    ));
                }
                let remote = self.client.initiator().remote_mode_unavailable().is_none();
                let ctx = files::Context::new(!self.relay, self.host.clone());
                let mut s = self.session();
                files::tether(&mut s, dialect, remote, dir.as_deref(), opts, &ctx, out)?;
            }
            Command::Capture(n, path) => {
                files::capture(&mut self.session(), dialect, *n, path.as_deref(), out)?;
            }
            Command::Events {
                count,
                timeout,
                format,
            } => {
                let timeout = match (timeout, count, self.relay) {
                    (None, None, true) => Some(RELAY_EVENTS_TIMEOUT),
                    (t, _, _) => *t,
                };
                let render = |e: &DeviceEvent| render::event(e, *format);
                stream::events(&mut self.client, *count, timeout, &render, out)?;
            }
            Command::LiveView { sink, frames } => {
                let frames = frames.or(self.relay.then_some(RELAY_LIVEVIEW_FRAMES));
                let transport = self.client.transport();
                stream::liveview(transport, &self.host, self.stream_port, sink, frames, out)?;
            }
            Command::Fuji(FujiCommand::Receive(dir)) => {
                browse::receive(&mut self.client, dir, out)?;
            }
            Command::Fuji(c) => remote::run(&mut self.client, c, &mut self.movie, out)?,
        }
        out.flush()?;
        Ok(())
    }

    fn resolve(&self, prop: &str, command: &str) -> Result<DevicePropCode, CmdError> {
        props::resolve(prop, self.dialect).map_err(|e| {
            let syntax = usage(command);
            CmdError::Usage(format!("{e}\n{syntax}"))
        })
    }

    /// The data type of `code`: known for the usual properties, else from its description.
    fn data_type(&mut self, code: DevicePropCode) -> Result<DataTypeCode, ClientError> {
        match props::known_type(code, self.dialect) {
            Some(t) => Ok(t),
            None => self.client.prop_desc(code).map(|d| d.data_type),
        }
    }

    /// GetDevicePropValue, decoded with the property's type (raw bytes as AUINT8 when they do not
    /// fit it).
    fn get(&mut self, code: DevicePropCode) -> Result<PropValue, CmdError> {
        let raw = self.client.prop_value_raw(code)?;
        let data_type = match self.data_type(code) {
            Ok(t) => t,
            Err(_) => match raw.len() {
                1 => DataTypeCode::UINT8,
                2 => DataTypeCode::UINT16,
                4 => DataTypeCode::UINT32,
                8 => DataTypeCode::UINT64,
                _ => return Ok(PropValue::ArrayUInt8(raw.to_vec())),
            },
        };
        // What the core tolerates (a Fujifilm body's u32 for a u16 property) is logged at -v.
        Ok(PropValue::decode_lenient(&raw, data_type).map_or_else(
            |_| PropValue::ArrayUInt8(raw.to_vec()),
            |t| t.report(|q| log::info!("property {:#06x}: tolerated {q}", code.0)),
        ))
    }

    fn set(&mut self, prop: &str, text: &str, out: &mut dyn Write) -> Result<(), CmdError> {
        let code = self.resolve(prop, "set")?;
        let (data_type, current) = match self.client.prop_desc(code) {
            Ok(d) => (d.data_type, Some(d.current_value)),
            Err(e) => match props::known_type(code, self.dialect) {
                Some(t) => (t, None),
                None => {
                    return Err(CmdError::Failed(format!(
                        "cannot find the type of property {:#06x}: {e}",
                        code.0
                    )));
                }
            },
        };
        let bad = |e: String| {
            let syntax = usage("set");
            CmdError::Usage(format!("{e}\n{syntax}"))
        };
        let value = if data_type == DataTypeCode::STR {
            props::to_text_value(text).map_err(bad)?
        } else {
            let v = props::parse_value(code, text, self.dialect, current.as_ref()).map_err(bad)?;
            props::to_value(v, data_type).map_err(bad)?
        };
        self.client.set_prop_value(code, &value)?;
        writeln!(
            out,
            "property {} ({:#06x}) successfully set to {}",
            props::prop_name(code),
            code.0,
            props::show(code, &value, self.dialect)
        )?;
        Ok(())
    }

    /// Runs the operation and prints every packet received while it runs, as the camera sent
    /// it (the client's packet tap), the first [`OPREQ_KEEP`] bytes of each.
    fn opreq(
        &mut self,
        code: u16,
        params: &[u32],
        data_out: &Option<Vec<u8>>,
        out: &mut dyn Write,
    ) -> Result<(), CmdError> {
        let data_out = data_out.as_ref().map(|d| Bytes::from(d.clone()));
        let mut written = Ok(());
        self.client.raw_tapped(
            OperationCode(code),
            params,
            data_out,
            OPREQ_KEEP,
            &mut |bytes, total| {
                if written.is_ok() {
                    written = print_packet(out, bytes, total);
                }
            },
        )?;
        Ok(written?)
    }
}

/// One received packet as the seed's `opreq` prints it.
fn print_packet(out: &mut dyn Write, bytes: &[u8], total: u64) -> io::Result<()> {
    write!(
        out,
        "\nReceived {total} bytes. HEX dump:\n{}",
        hexdump(bytes)
    )?;
    if (bytes.len() as u64) < total {
        writeln!(
            out,
            "... {} more bytes not shown",
            total - bytes.len() as u64
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_print_as_the_seed_shows_them() {
        let mut out = Vec::new();
        print_packet(&mut out, &[12, 0, 0, 0, 3, 0, 1, 0x20, 7, 0, 0, 0], 12).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\nReceived 12 bytes. HEX dump:\n00000000  0c 00 00 00 03 00 01 20  07 00 00 00              |....... ....|\n"
        );
        let mut out = Vec::new();
        print_packet(&mut out, &[1, 2], 5).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("... 3 more bytes not shown\n")
        );
    }
}
