//! The io adapter: `wasi:io` answered inside the component. Streams are either the host's
//! (wrapped), an embedded file's bytes, or nothing (an ignored standard stream); pollables are
//! the host's or always ready. The standard streams, the monotonic clock (whose pollables are
//! `wasi:io` ones) and the filesystem are exported in terms of these.

wit_bindgen::generate!({ path: "wit", world: "io", generate_all });

mod config;
mod fs;

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use exports::wasi::cli::{stderr, stdin, stdout};
use exports::wasi::clocks::monotonic_clock;
use exports::wasi::io::error::{self as error_api, GuestError};
use exports::wasi::io::poll::{self as poll_api, GuestPollable, PollableBorrow};
use exports::wasi::io::streams::{
    self as streams_api, GuestInputStream, GuestOutputStream, InputStreamBorrow, StreamError,
};
use wasi::io::{error as host_error, poll as host_poll, streams as host_streams};

use config::{Config, Policy};

pub(crate) struct Adapter;

/// An error: the host's, or one of ours.
pub(crate) enum IoError {
    Host(host_error::Error),
}

impl GuestError for IoError {
    fn to_debug_string(&self) -> String {
        match self {
            IoError::Host(e) => e.to_debug_string(),
        }
    }
}

impl error_api::Guest for Adapter {
    type Error = IoError;
}

pub(crate) enum Pollable {
    Ready,
    Host(host_poll::Pollable),
}

impl GuestPollable for Pollable {
    fn ready(&self) -> bool {
        match self {
            Pollable::Ready => true,
            Pollable::Host(p) => p.ready(),
        }
    }
    fn block(&self) {
        if let Pollable::Host(p) = self {
            p.block()
        }
    }
}

impl poll_api::Guest for Adapter {
    type Pollable = Pollable;
    fn poll(list: Vec<PollableBorrow<'_>>) -> Vec<u32> {
        let ours: Vec<&Pollable> = list.iter().map(|p| p.get::<Pollable>()).collect();
        let ready: Vec<u32> = (0..ours.len() as u32)
            .filter(|&i| matches!(ours[i as usize], Pollable::Ready))
            .collect();
        if !ready.is_empty() {
            return ready;
        }
        let (index, host): (Vec<u32>, Vec<&host_poll::Pollable>) = ours
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Pollable::Host(h) => Some((i as u32, h)),
                Pollable::Ready => None,
            })
            .unzip();
        host_poll::poll(&host)
            .into_iter()
            .map(|i| index[i as usize])
            .collect()
    }
}

fn poll_handle(p: Pollable) -> poll_api::Pollable {
    poll_api::Pollable::new(p)
}

fn host_stream_error(e: host_streams::StreamError) -> StreamError {
    match e {
        host_streams::StreamError::Closed => StreamError::Closed,
        host_streams::StreamError::LastOperationFailed(e) => {
            StreamError::LastOperationFailed(error_api::Error::new(IoError::Host(e)))
        }
    }
}

pub(crate) enum InputStream {
    Host(host_streams::InputStream),
    /// An embedded file's bytes from a position on.
    File {
        node: usize,
        pos: Cell<u64>,
    },
    Empty,
}

impl InputStream {
    fn take(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => s.read(len).map_err(host_stream_error),
            InputStream::File { node, pos } => {
                let data = fs::file_bytes(*node);
                let start = (pos.get() as usize).min(data.len());
                if start == data.len() && len > 0 {
                    return Err(StreamError::Closed);
                }
                let end = start.saturating_add(len as usize).min(data.len());
                pos.set(end as u64);
                Ok(data[start..end].to_vec())
            }
            InputStream::Empty => Err(StreamError::Closed),
        }
    }
}

impl GuestInputStream for InputStream {
    fn read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        self.take(len)
    }
    fn blocking_read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => s.blocking_read(len).map_err(host_stream_error),
            _ => self.take(len),
        }
    }
    fn skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(s) => s.skip(len).map_err(host_stream_error),
            _ => self.take(len).map(|b| b.len() as u64),
        }
    }
    fn blocking_skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(s) => s.blocking_skip(len).map_err(host_stream_error),
            _ => self.take(len).map(|b| b.len() as u64),
        }
    }
    fn subscribe(&self) -> poll_api::Pollable {
        poll_handle(match self {
            InputStream::Host(s) => Pollable::Host(s.subscribe()),
            _ => Pollable::Ready,
        })
    }
}

pub(crate) enum OutputStream {
    Host(host_streams::OutputStream),
    /// Accepts everything and keeps nothing.
    Sink,
}

/// How much a sink accepts at once.
const SINK_BUDGET: u64 = 1 << 20;

impl GuestOutputStream for OutputStream {
    fn check_write(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(s) => s.check_write().map_err(host_stream_error),
            OutputStream::Sink => Ok(SINK_BUDGET),
        }
    }
    fn write(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.write(&contents).map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn blocking_write_and_flush(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s
                .blocking_write_and_flush(&contents)
                .map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.flush().map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn blocking_flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.blocking_flush().map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn subscribe(&self) -> poll_api::Pollable {
        poll_handle(match self {
            OutputStream::Host(s) => Pollable::Host(s.subscribe()),
            OutputStream::Sink => Pollable::Ready,
        })
    }
    fn write_zeroes(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.write_zeroes(len).map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn blocking_write_zeroes_and_flush(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s
                .blocking_write_zeroes_and_flush(len)
                .map_err(host_stream_error),
            OutputStream::Sink => Ok(()),
        }
    }
    fn splice(&self, src: InputStreamBorrow<'_>, len: u64) -> Result<u64, StreamError> {
        let budget = self.check_write()?.min(len);
        let data = src.get::<InputStream>().take(budget)?;
        let n = data.len() as u64;
        self.write(data)?;
        Ok(n)
    }
    fn blocking_splice(&self, src: InputStreamBorrow<'_>, len: u64) -> Result<u64, StreamError> {
        let data = src.get::<InputStream>().take(len)?;
        let n = data.len() as u64;
        self.blocking_write_and_flush(data)?;
        Ok(n)
    }
}

impl streams_api::Guest for Adapter {
    type InputStream = InputStream;
    type OutputStream = OutputStream;
}

fn deny() -> ! {
    core::arch::wasm32::unreachable()
}

fn output(
    policy: Policy,
    host: impl FnOnce() -> host_streams::OutputStream,
) -> streams_api::OutputStream {
    streams_api::OutputStream::new(match policy {
        Policy::Allow => OutputStream::Host(host()),
        Policy::Ignore => OutputStream::Sink,
        Policy::Deny => deny(),
    })
}

impl stdin::Guest for Adapter {
    fn get_stdin() -> streams_api::InputStream {
        streams_api::InputStream::new(match Config::get().stdio.stdin {
            Policy::Allow => InputStream::Host(wasi::cli::stdin::get_stdin()),
            Policy::Ignore => InputStream::Empty,
            Policy::Deny => deny(),
        })
    }
}

impl stdout::Guest for Adapter {
    fn get_stdout() -> streams_api::OutputStream {
        output(Config::get().stdio.stdout, wasi::cli::stdout::get_stdout)
    }
}

impl stderr::Guest for Adapter {
    fn get_stderr() -> streams_api::OutputStream {
        output(Config::get().stdio.stderr, wasi::cli::stderr::get_stderr)
    }
}

impl monotonic_clock::Guest for Adapter {
    fn now() -> monotonic_clock::Instant {
        wasi::clocks::monotonic_clock::now()
    }
    fn resolution() -> monotonic_clock::Duration {
        wasi::clocks::monotonic_clock::resolution()
    }
    fn subscribe_instant(when: monotonic_clock::Instant) -> poll_api::Pollable {
        poll_handle(Pollable::Host(
            wasi::clocks::monotonic_clock::subscribe_instant(when),
        ))
    }
    fn subscribe_duration(when: monotonic_clock::Duration) -> poll_api::Pollable {
        poll_handle(Pollable::Host(
            wasi::clocks::monotonic_clock::subscribe_duration(when),
        ))
    }
}

export!(Adapter);
