//! Counting TCP connections where the listener accepts and closes them, not per request: the
//! "connection" signal that the scaling thresholds are built on.

use std::io::Result as IoResult;
use std::pin::Pin;
use std::task::{Context, Poll};

use metrics::{counter, gauge};
use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Wraps an acceptor: every accepted connection counts in `notejam_http_connections_total` and
/// in the `notejam_http_open_connections` gauge until it closes.
pub struct CountingAcceptor<A>(pub A);

impl<A: Acceptor> Acceptor for CountingAcceptor<A> {
    type Io = CountedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> IoResult<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        counter!("notejam_http_connections_total").increment(1);
        gauge!("notejam_http_open_connections").increment(1.0);
        Ok((
            CountedIo {
                inner: io,
                _open: OpenConnection,
            },
            local,
            remote,
            scheme,
        ))
    }
}

/// Decrements the open-connections gauge when the connection is dropped (closed).
struct OpenConnection;

impl Drop for OpenConnection {
    fn drop(&mut self) {
        gauge!("notejam_http_open_connections").decrement(1.0);
    }
}

/// A connection that is counted while it is open.
pub struct CountedIo<T> {
    inner: T,
    _open: OpenConnection,
}

impl<T: AsyncRead + Unpin> AsyncRead for CountedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CountedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<IoResult<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<IoResult<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
