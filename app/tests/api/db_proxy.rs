//! A TCP proxy in front of the test's PostgreSQL server that a test can cut (every open
//! connection closed, new ones refused, as when the server stops) and restore, to drill a
//! database outage without stopping the server the other tests share.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

pub struct DbProxy {
    listen: SocketAddr,
    upstream: SocketAddr,
    /// The accept loop and every forwarding task: aborted together when the proxy is cut.
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl DbProxy {
    /// A proxy on a free loopback port to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> DbProxy {
        let upstream = tokio::net::lookup_host(upstream)
            .await
            .expect("upstream resolves")
            .next()
            .expect("an upstream address");
        let mut proxy = DbProxy {
            listen: "127.0.0.1:0".parse().unwrap(),
            upstream,
            tasks: Arc::default(),
        };
        proxy.restore();
        proxy
    }

    /// The address the app should connect to.
    pub fn addr(&self) -> SocketAddr {
        self.listen
    }

    /// The database goes away: open connections drop, new ones are refused.
    pub fn cut(&self) {
        self.tasks.lock().unwrap().abort_all();
    }

    /// The database is back on the same address.
    pub fn restore(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.listen).expect("the proxy's port is free");
        let listener = socket.listen(64).unwrap();
        self.listen = listener.local_addr().unwrap();
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        self.tasks.lock().unwrap().spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                tasks.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
    }
}
